"""Reading a Spotify export in a child process: `read_in_child` yields what
`spotify_export.read_plays` yields, read by `python -m handlers.listening.export_child`.

Parsing the JSON and applying the rules to every row is pure Python: in the importing process
it holds the interpreter lock most of the time, so a read-ahead thread cannot run beside the
storing (the writer's executemany takes the lock back for every row) and steals it from the
requests the server answers meanwhile. In a child it runs on another core; the parent only
decodes each batch (msgpack, a few microseconds per play).

The child writes frames on its stdout: a 4-byte little-endian length, then a msgpack `Frame`
(a batch of plays with the read's counts so far, the end of the read with its final counts, or
the ExportError that stopped it). Closing the generator kills the child.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import msgspec

from handlers.listening.plays import PlayIn
from handlers.listening.spotify_export import ExportError, ReadStats, read_plays

__all__ = ["Batch", "Done", "Failed", "Frame", "read_in_child", "main"]

_LENGTH = struct.Struct("<I")
_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the `handlers` package


class Batch(msgspec.Struct, tag="batch"):
    plays: list[PlayIn]
    stats: ReadStats  # the read's counts just after this batch


class Done(msgspec.Struct, tag="done"):
    stats: ReadStats


class Failed(msgspec.Struct, tag="failed"):
    message: str
    code: str


Frame = Batch | Done | Failed


def _copy(into: ReadStats, source: ReadStats) -> None:
    for name in ReadStats.__struct_fields__:
        setattr(into, name, getattr(source, name))


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise RuntimeError("the export reader stopped in the middle of a frame")
    return data


def read_in_child(path: Path, *, batch: int, stats: ReadStats, skip_rows: int = 0
                  ) -> Iterator[list[PlayIn]]:
    """`read_plays(path, batch=batch, stats=stats, skip_rows=skip_rows)`, read in a child
    process: `stats` is brought up to date with each batch (and at the end); ExportError where
    the read would raise it, after the batches before it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child never blocks on it
    child = subprocess.Popen(
        [sys.executable, "-m", "handlers.listening.export_child", str(path), str(batch),
         str(skip_rows)], stdout=subprocess.PIPE, stderr=errors, env=env)
    assert child.stdout is not None
    decoder = msgspec.msgpack.Decoder(Frame)
    try:
        while True:
            head = child.stdout.read(_LENGTH.size)
            if not head:
                child.wait()
                errors.seek(0)
                raise RuntimeError("the export reader ended without its last frame: "
                                   + errors.read().decode(errors="replace")[-2000:])
            frame = decoder.decode(_read_exact(child.stdout, _LENGTH.unpack(head)[0]))
            if isinstance(frame, Failed):
                raise ExportError(frame.message, code=frame.code)
            _copy(stats, frame.stats)
            if isinstance(frame, Done):
                return
            yield frame.plays
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        errors.close()


def _write(out: IO[bytes], encoder: msgspec.msgpack.Encoder, frame: Frame) -> None:
    data = encoder.encode(frame)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)


def main(argv: list[str]) -> None:
    """The child: `PATH BATCH SKIP_ROWS`, frames on stdout."""
    path, batch, skip_rows = Path(argv[0]), int(argv[1]), int(argv[2])
    out, encoder, stats = sys.stdout.buffer, msgspec.msgpack.Encoder(), ReadStats()
    try:
        for plays in read_plays(path, batch=batch, stats=stats, skip_rows=skip_rows):
            _write(out, encoder, Batch(plays=plays, stats=stats))
    except ExportError as exc:
        _write(out, encoder, Failed(message=exc.message, code=exc.code))
    else:
        _write(out, encoder, Done(stats=stats))
    out.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
