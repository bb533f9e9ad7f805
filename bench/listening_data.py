"""Synthetic Spotify extended streaming history, for benchmarks and tests (never committed data).

`python -m bench.listening_data write OUT --rows N [--files K] [--zip]` writes N rows in Spotify's
extended-history shape (the keys of `Streaming_History_Audio_*.json`, one object per line as in
the export), spread over K files; with --zip they go into OUT as a zip with a ReadMeFirst PDF, as
Spotify delivers it, else OUT is a directory (one file: OUT is that file). Rows are plays of
5,000 tracks over the years before 2026, with Spotify's mix of short plays (about 15%), private
sessions (1%), podcast episodes (2%) and repeated rows (0.5%); the same seed writes the same bytes.

`python -m bench.listening_data read FILE` counts and reads FILE with
handlers.listening.spotify_export and prints the times and the process's peak RSS as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["extended_row", "extended_rows", "write_extended", "write_extended_zip", "measure", "main"]

TRACKS = 5_000
START = 1_420_070_400  # 2015-01-01T00:00:00Z
PLATFORMS = ("android", "ios", "windows", "osx", "web_player", "Android OS 9 API 28 (samsung, SM-G960F)")
REASONS_END = ("trackdone", "trackdone", "trackdone", "fwdbtn", "endplay", "backbtn", "logout")


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def extended_row(
    ts: int,
    ms_played: int,
    track: int | None = 0,
    *,
    incognito: bool = False,
    platform: str = "android",
    reason_start: str = "trackdone",
    reason_end: str = "trackdone",
    shuffle: bool = False,
    skipped: bool | None = False,
    offline: bool = False,
) -> dict[str, Any]:
    """One row as the export writes it: `ts` (when the stream ended) and track `track`
    (`spotify:track:t<track>`), or with `track=None` a podcast episode (no track fields)."""
    music = track is not None
    return {
        "ts": _iso(ts),
        "platform": platform,
        "ms_played": ms_played,
        "conn_country": "FR",
        "ip_addr": "192.0.2.1",
        "master_metadata_track_name": f"Track {track}" if music else None,
        "master_metadata_album_artist_name": f"Artist {track % 700}" if music else None,
        "master_metadata_album_album_name": f"Album {track % 1500}" if music else None,
        "spotify_track_uri": f"spotify:track:t{track:021d}" if music else None,
        "episode_name": None if music else "Episode",
        "episode_show_name": None if music else "Show",
        "spotify_episode_uri": None if music else "spotify:episode:e000000000000000000001",
        "audiobook_title": None,
        "audiobook_uri": None,
        "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None,
        "reason_start": reason_start,
        "reason_end": reason_end,
        "shuffle": shuffle,
        "skipped": skipped,
        "offline": offline,
        "offline_timestamp": None,
        "incognito_mode": incognito,
    }


def extended_rows(n: int, *, seed: int = 0) -> Iterator[dict[str, Any]]:
    """`n` rows in time order with the mix described above (deterministic for a seed)."""
    rng = random.Random(seed)
    ts = START
    previous: dict[str, Any] | None = None
    for _ in range(n):
        if previous is not None and rng.random() < 0.005:
            yield previous
            continue
        roll = rng.random()
        ms = rng.randint(1_000, 29_999) if roll < 0.15 else rng.randint(30_000, 400_000)
        ts += ms // 1000 + rng.randint(0, 600)
        previous = extended_row(
            ts, ms, None if 0.15 <= roll < 0.17 else rng.randrange(TRACKS),
            incognito=rng.random() < 0.01, platform=rng.choice(PLATFORMS),
            reason_end=rng.choice(REASONS_END), shuffle=rng.random() < 0.5,
            skipped=rng.random() < 0.1 if roll < 0.5 else None, offline=rng.random() < 0.05,
        )
        yield previous


def _write_array(out: Any, rows: Iterator[dict[str, Any]]) -> None:
    out.write(b"[")
    first = True
    for row in rows:
        out.write(b"\n" if first else b",\n")
        out.write(json.dumps(row, ensure_ascii=False).encode())
        first = False
    out.write(b"\n]\n")


def _split(n: int, files: int) -> list[int]:
    return [n // files + (1 if i < n % files else 0) for i in range(files)]


def write_extended(out: Path, n: int, *, files: int = 1, seed: int = 0) -> list[Path]:
    """`n` rows as loose JSON: `out` itself for one file, else `out/Streaming_History_Audio_<i>.json`."""
    rows = extended_rows(n, seed=seed)
    if files == 1:
        with out.open("wb") as f:
            _write_array(f, rows)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, count in enumerate(_split(n, files)):
        path = out / f"Streaming_History_Audio_2015-2025_{i}.json"
        with path.open("wb") as f:
            _write_array(f, (next(rows) for _ in range(count)))
        paths.append(path)
    return paths


def write_extended_zip(out: Path, n: int, *, files: int = 1, seed: int = 0) -> Path:
    """`n` rows over `files` members of a zip shaped like Spotify's delivery (plus its PDF)."""
    rows = extended_rows(n, seed=seed)
    folder = "Spotify Extended Streaming History"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(f"{folder}/ReadMeFirst_ExtendedStreamingHistory.pdf", b"%PDF-1.4\n%%EOF\n")
        for i, count in enumerate(_split(n, files)):
            with zf.open(f"{folder}/Streaming_History_Audio_2015-2025_{i}.json", "w", force_zip64=True) as f:
                _write_array(f, (next(rows) for _ in range(count)))
    return out


def measure(path: Path, batch: int = 1000) -> dict[str, Any]:
    """count_rows then read_plays over `path`: times, rows per second and peak RSS (this
    process's maximum resident set, which includes the interpreter: `baseline_rss_mib` is it
    before the read)."""
    import resource
    import time

    from handlers.listening.spotify_export import ReadStats, count_rows, read_plays

    def rss_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    baseline = rss_mib()
    start = time.perf_counter()
    total = count_rows(path)
    counted = time.perf_counter() - start
    stats = ReadStats()
    start = time.perf_counter()
    for _ in read_plays(path, batch=batch, stats=stats):
        pass
    read = time.perf_counter() - start
    return {"file_bytes": path.stat().st_size, "count_rows": total, "count_s": round(counted, 2),
            "read_s": round(read, 2), "rows_per_s": round(stats.rows / read), "stats": msgspec_dict(stats),
            "baseline_rss_mib": round(baseline, 1), "peak_rss_mib": round(rss_mib(), 1)}


def msgspec_dict(value: Any) -> dict[str, Any]:
    import msgspec

    return dict(msgspec.structs.asdict(value))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("write", help="write a synthetic extended export")
    write.add_argument("out", type=Path)
    write.add_argument("--rows", type=int, required=True)
    write.add_argument("--files", type=int, default=1)
    write.add_argument("--zip", action="store_true")
    write.add_argument("--seed", type=int, default=0)
    read = commands.add_parser("read", help="count and read an export; print times and peak RSS")
    read.add_argument("path", type=Path)
    read.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.command == "read":
        print(json.dumps(measure(args.path, args.batch)))
    elif args.zip:
        write_extended_zip(args.out, args.rows, files=args.files, seed=args.seed)
    else:
        write_extended(args.out, args.rows, files=args.files, seed=args.seed)


if __name__ == "__main__":
    main()
