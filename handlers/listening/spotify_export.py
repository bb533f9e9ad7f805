"""Spotify's listening-history exports read as a stream of plays: the extended streaming history
(`Streaming_History_Audio_*.json`, older `endsong_*.json`) and the account-data history
(`StreamingHistory*.json`, `StreamingHistory_music_*.json`), loose or in the zip Spotify sends.

Synchronous and in bounded memory (one chunk of a file at a time): callers run it in a worker
thread. The rules that make a row a play are in handlers.listening.export_rows; the README
section "Listening" states them for clients.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Literal

import msgspec

from handlers.errors import FieldError, Invalid
from handlers.listening.export_rows import Flavour, ReadStats, RowRules, decode_rows
from handlers.listening.json_stream import CHUNK, JSONStreamError, first_row, iter_array
from handlers.listening.plays import PlayIn

__all__ = ["ExportError", "ExportKind", "ExportLimits", "ReadStats", "sniff", "read_plays", "count_rows",
           "is_history_name"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_FORMATS = ("Streaming_History_Audio_*.json, endsong_*.json (extended streaming history) or "
            "StreamingHistory*.json (account data)")
_ROW_KEY = {"extended": re.compile(rb'"ms_played"[ \t\r\n]{0,32}:'),
            "account": re.compile(rb'"msPlayed"[ \t\r\n]{0,32}:')}
_KEY_OVERLAP = 64


class ExportError(Invalid):
    """The file is not a Spotify listening-history export (or breaks the zip limits); carries
    the field `file` so FastAPI dialects answer 422 with their field list."""

    default_code = "not_a_spotify_export"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code,
                         fields=[FieldError(("body", "file"), message, "value_error.spotify_export")])


class ExportLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Zip rules (ListenBrainz's importer): more entries, or any entry larger, is refused."""

    max_entries: int = 500
    max_member_bytes: int = 500 * 1000 * 1000


class ExportKind(msgspec.Struct, frozen=True, kw_only=True):
    """What `sniff` found: the container, the history formats inside, and the history files
    (the loose file's own name, or the zip members read, in zip order)."""

    container: Literal["json", "zip"]
    flavours: tuple[Flavour, ...]
    documents: tuple[str, ...]


class _Document(msgspec.Struct, frozen=True):
    name: str
    flavour: Flavour


def is_history_name(member: str) -> bool:
    """Whether a zip member is a music history file: a `.json` whose name contains `audio` or
    `endsong` or starts with `StreamingHistory`, not a podcast or video history (case-insensitive),
    and not macOS metadata (`__MACOSX/`, `._*`)."""
    parts = member.lower().split("/")
    base = posixpath.basename(member.lower())
    if "__macosx" in parts or base.startswith(".") or not base.endswith(".json"):
        return False
    if "podcast" in base or "video" in base:
        return False
    return "audio" in base or "endsong" in base or base.startswith("streaminghistory")


def _flavour_of(row: dict[str, object] | None, name: str) -> Flavour:
    if row is None:  # an empty history: its name tells the format
        return "account" if posixpath.basename(name.lower()).startswith("streaminghistory") else "extended"
    if "ts" in row and "ms_played" in row:
        return "extended"
    if "endTime" in row and "msPlayed" in row:
        return "account"
    keys = ", ".join(sorted(row)[:8]) or "none"
    raise ExportError(f"{name} is not a Spotify streaming history: its rows have the keys {keys}; "
                      "a history row has ts and ms_played, or endTime and msPlayed")


def _sniff_document(stream: IO[bytes], name: str) -> Flavour:
    try:
        return _flavour_of(first_row(stream), name)
    except JSONStreamError as exc:
        raise ExportError(f"{name} is not a Spotify streaming history ({exc})") from None


def _check_tail(path: Path) -> None:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        if not f.read().rstrip(b" \t\r\n").endswith(b"]"):
            raise ExportError(f"{path.name} stops before its end: the file is truncated or not a JSON list")


@contextmanager
def _zip(path: Path, limits: ExportLimits) -> Iterator[tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ExportError(f"{path.name} is a damaged or truncated zip ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise ExportError(f"The zip holds {len(infos)} entries; a Spotify export holds at most "
                              f"{limits.max_entries}", code="too_many_entries")
        for info in infos:
            if info.file_size > limits.max_member_bytes:
                raise ExportError(f"{info.filename} in the zip is {info.file_size} bytes; each file may "
                                  f"be at most {limits.max_member_bytes}", code="member_too_large")
        members = [info for info in infos if not info.is_dir() and is_history_name(info.filename)]
        if not members:
            raise ExportError(f"The zip holds no listening history: expected {_FORMATS}")
        yield archive, members


@contextmanager
def _read_errors(name: str) -> Iterator[None]:
    """Damaged zip members (bad CRC, bad deflate data, encryption) as ExportError."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ExportError(f"{name} cannot be read from the zip ({exc})") from None


def _container(path: Path) -> Literal["json", "zip"]:
    with path.open("rb") as f:
        head = f.read(4)
    if not head:
        raise ExportError(f"{path.name} is empty (0 bytes)", code="empty_file")
    return "zip" if head in _ZIP_MAGIC else "json"


def _sniff_members(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> list[_Document]:
    documents = []
    for info in members:
        with _read_errors(info.filename), archive.open(info) as stream:
            documents.append(_Document(info.filename, _sniff_document(stream, info.filename)))
    return documents


def sniff(path: str | Path, *, limits: ExportLimits = ExportLimits()) -> ExportKind:
    """What export `path` holds, decided from its first bytes (and a zip's directory and the
    first bytes of its history files; a loose file's last bytes), without reading it all.
    ExportError when it is not an export."""
    path = Path(path)
    if _container(path) == "zip":
        with _zip(path, limits) as (archive, members):
            documents = _sniff_members(archive, members)
        return ExportKind(container="zip", flavours=tuple(sorted({d.flavour for d in documents})),
                          documents=tuple(d.name for d in documents))
    with path.open("rb") as f:
        flavour = _sniff_document(f, path.name)
    _check_tail(path)
    return ExportKind(container="json", flavours=(flavour,), documents=(path.name,))


@contextmanager
def _opened(path: Path, limits: ExportLimits) -> Iterator[Iterator[tuple[_Document, IO[bytes]]]]:
    """Each history document of the export (checked as `sniff` does) with its bytes, one open
    at a time."""
    if _container(path) == "zip":
        with _zip(path, limits) as (archive, members):
            yield _zip_streams(archive, _sniff_members(archive, members))
        return
    kind = sniff(path, limits=limits)
    with path.open("rb") as stream:
        yield iter([(_Document(path.name, kind.flavours[0]), stream)])


def _zip_streams(archive: zipfile.ZipFile,
                 documents: list[_Document]) -> Iterator[tuple[_Document, IO[bytes]]]:
    for document in documents:
        with _read_errors(document.name), archive.open(document.name) as stream:
            yield document, stream


def _rows(document: _Document, stream: IO[bytes]) -> Iterator[list[object]]:
    def decode(data: bytes) -> list[object]:
        return decode_rows(document.flavour, data)

    try:
        with _read_errors(document.name):
            yield from iter_array(stream, decode)
    except JSONStreamError as exc:
        raise ExportError(f"{document.name} is not a readable Spotify streaming history ({exc})") from None


def read_plays(
    path: str | Path,
    *,
    batch: int = 1000,
    stats: ReadStats | None = None,
    skip_rows: int = 0,
    limits: ExportLimits = ExportLimits(),
) -> Iterator[list[PlayIn]]:
    """The plays of the export at `path`, `batch` at a time (the last list may be shorter; none
    is empty), in file order. `stats`, when given, counts as the read goes (`stats.rows` is the
    progress against `count_rows`); `skip_rows` resumes a read: that many rows are passed over.

    The export is checked (`sniff`) before the first play; a file found malformed further on
    raises ExportError at that point, after the plays before it were yielded."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    rules = RowRules(stats if stats is not None else ReadStats())
    pending: list[PlayIn] = []
    with _opened(Path(path), limits) as documents:
        for document, stream in documents:
            rules.new_file()
            for rows in _rows(document, stream):
                for row in rows:
                    if rules.stats.rows < skip_rows:
                        rules.stats.rows += 1
                        continue
                    play = rules.play(row)
                    if play is None:
                        continue
                    pending.append(play)
                    if len(pending) == batch:
                        yield pending
                        pending = []
    if pending:
        yield pending


def _count_keys(stream: IO[bytes], pattern: re.Pattern[bytes]) -> int:
    count = 0
    tail = b""
    while data := stream.read(CHUNK):
        window = tail + data
        count += sum(1 for m in pattern.finditer(window) if m.end() > len(tail))
        tail = window[-_KEY_OVERLAP:]
    return count


def count_rows(path: str | Path, *, limits: ExportLimits = ExportLimits()) -> int:
    """How many rows the export's history files hold (before the rules: the total `stats.rows`
    of `read_plays` reaches), by scanning the bytes for the row key (`"ms_played":`, or
    `"msPlayed":`) without decoding: several times faster than reading. Exact for Spotify's
    files; a row counts twice only if its key appears twice in it (invalid JSON elsewhere)."""
    total = 0
    with _opened(Path(path), limits) as documents:
        for document, stream in documents:
            with _read_errors(document.name):
                total += _count_keys(stream, _ROW_KEY[document.flavour])
    return total
