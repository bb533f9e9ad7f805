"""`chorus bench listening`: importing a Spotify extended export through Chorus against a plain
executemany of the same rows, then the overview of that user from the rollups against the same
overview computed by GROUP BY over the raw listens, in one run.

Each import runs in its own child process (`python -m bench.listening import|plain ...`) on
its own fresh store (the migrated schema and the PRAGMAs of store.sqlite.db) in a /dev/shm
folder when there is one, and reports its time and peak RSS (VmHWM of /proc/self/status):
- *chorus*: handlers.listening.imports.import_export (what the import job and `chorus
  import` run) with `--batch` plays per batch: read_plays one batch ahead (in a child process,
  handlers.listening.export_child, for an export this large: its CPU time is counted with the
  import's and its peak RSS shown apart),
  each batch through handlers.listening.listens.record_plays (track resolution, dedup,
  rollups, push) on the production app's context;
- *plain*: the same reader and batches; the batch's unseen tracks inserted into the catalog
  and its listens with `executemany(INSERT OR IGNORE ...)`, one transaction per batch, on a
  stdlib sqlite3 connection.
Both imports and the overview run with "now" just after the export's last play (the chorus
import's clock, so its per-day track rollups cover the year before it, as for a user who
imports their history). The overview is handlers.listening.analytics.overview (what
`GET /analytics/overview` serves) at each period, `--calls` times, on Chorus's store; the raw
side computes the same figures (totals, top 10 with plays and ms and distinct counts of
tracks, artists, albums and genres, hours, weekdays, the streak) by GROUP BY over `listens`
joined to the catalog, and the run names every figure where the two differ. Each import also
reports its CPU time (every thread, and its children). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run", "Result"]

IMPORT_TARGET = 0.7
OVERVIEW_P99_TARGET_MS = 50.0
PERIODS = ("week", "month", "quarter", "year", "all_time")
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    run: int
    rows: int
    batch: int
    chorus: dict[str, Any] = field(default_factory=dict)
    plain: dict[str, Any] = field(default_factory=dict)
    ratio: float = 0.0
    cpu_ratio: float = 0.0
    overview: dict[str, dict[str, Any]] = field(default_factory=dict)


def _cpu_seconds() -> float:
    """User + system CPU time of this process, every thread (SQLite's included), and of its
    children that ended (Chorus's export reader)."""
    import resource
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _child_peak_rss_mib() -> float:
    """The largest peak RSS of this process's children that ended (0 without any)."""
    import resource
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the two import sides (child processes) -------------------------------------------------

def export_end(export: Path) -> float:
    """The `ts` (UTC epoch seconds) of the last row of a bench.listening_data export (its rows
    are in time order): the import and the overview run as if just after it."""
    with export.open("rb") as f:
        f.seek(max(0, export.stat().st_size - 8192))
        tail = f.read().decode(errors="replace")
    stamp = tail[tail.rindex('"ts": "') + 7:][:20]
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")) + 60.0


async def _chorus_import(export: Path, data: Path, batch: int) -> dict[str, Any]:
    from aiohttp import web

    from bench.server_chorus import bench_config
    from handlers.api.keys import ctx_key
    from handlers.listening.imports import import_export
    from hub.app import create_app

    app = await create_app(bench_config(data))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        ctx = app[ctx_key]
        now = export_end(export)
        ctx.clock = lambda: now
        user = await ctx.store.users.create(username="listener", email="listener@example.com")
        rss_before = _peak_rss_mib()
        start, cpu = time.perf_counter(), _cpu_seconds()
        tally = await import_export(ctx, user.id, export, batch=batch)
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
        inserted, duplicates = tally.added, tally.duplicates
    finally:
        await runner.cleanup()
    return {"seconds": seconds, "cpu_seconds": cpu, "listens": inserted, "duplicates": duplicates,
            "listens_per_s": inserted / seconds, "rss_before_mib": rss_before,
            "peak_rss_mib": _peak_rss_mib(), "reader_peak_rss_mib": _child_peak_rss_mib(),
            "user_id": user.id}


def _plain_import(export: Path, data: Path, batch: int) -> dict[str, Any]:
    from handlers.listening.plays import MIN_PLAY_MS
    from handlers.listening.spotify_export import read_plays
    from store import open_store
    from store.sqlite.db import PRAGMAS

    async def migrate() -> None:
        store = open_store(f"sqlite:///{data / 'chorus.db'}")
        await store.open()
        await store.users.create(username="listener", email="listener@example.com")
        await store.close()

    asyncio.run(migrate())
    conn = sqlite3.connect(data / "chorus.db", isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    user_id = conn.execute("SELECT id FROM users").fetchone()[0]
    tracks: dict[str, int] = {}
    rss_before = _peak_rss_mib()
    inserted = 0
    start, cpu = time.perf_counter(), _cpu_seconds()
    for plays in read_plays(export, batch=batch):
        now = time.time()
        conn.execute("BEGIN")
        unseen = {p.track.spotify_uri: p.track for p in plays if p.track.spotify_uri not in tracks}
        conn.executemany(
            "INSERT INTO catalog (provider, kind, provider_id, url, eid, name, artist_names, "
            "album_name, created_at, updated_at) VALUES ('spotify', 'track', ?, '', '', ?, ?, ?, ?, ?)",
            [(uri, t.name, json.dumps([t.artist]), t.album, now, now) for uri, t in unseen.items()])
        for uri, track_id in conn.execute(
                "SELECT provider_id, id FROM catalog WHERE provider = 'spotify' AND kind = 'track' "
                "AND provider_id IN (SELECT value FROM json_each(?))", (json.dumps(list(unseen)),)):
            tracks[uri] = track_id
        cur = conn.executemany(
            "INSERT OR IGNORE INTO listens (user_id, played_at, ms_played, track_id, source, "
            "platform, reason_start, reason_end, shuffle, skipped, offline, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(user_id, p.played_at, p.ms_played, tracks[p.track.spotify_uri], p.source, p.platform,
              p.reason_start, p.reason_end, p.shuffle, p.skipped, p.offline, now)
             for p in plays if p.ms_played >= MIN_PLAY_MS])
        inserted += cur.rowcount
        conn.execute("COMMIT")
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    conn.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "listens": inserted, "listens_per_s": inserted / seconds,
            "rss_before_mib": rss_before, "peak_rss_mib": _peak_rss_mib()}


def _child(side: str, export: Path, data: Path, batch: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.listening", side, str(export), str(data), str(batch)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=3600)
    if done.returncode:
        raise RuntimeError(f"{side} import failed:\n{done.stderr}")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# --- the overview, from rollups and from raw listens -----------------------------------------

_RAW_ARTIST = "COALESCE(json_extract(c.artist_names, '$[0]'), '')"
# dimension -> (key expressions, extra FROM, extra WHERE) over listens `l` joined to catalog `c`
_RAW_TOPS = {
    "track": ("l.track_id", "", ""),
    "artist": (_RAW_ARTIST, "", f" AND {_RAW_ARTIST} != ''"),
    "album": (f"c.album_name, {_RAW_ARTIST}", "", " AND c.album_name != ''"),
    "genre": ("g.value", " JOIN json_each(c.genres) g", " AND g.value != ''"),
}


def raw_overview(conn: sqlite3.Connection, user_id: int, since: float) -> dict[str, Any]:
    """The overview's figures by GROUP BY over the raw listens played at or after `since`."""
    where = "l.user_id = ? AND l.played_at >= ?"
    args = (user_id, since)
    plays, ms = conn.execute(f"SELECT COUNT(*), COALESCE(SUM(ms_played), 0) FROM listens l "
                             f"WHERE {where}", args).fetchone()
    out: dict[str, Any] = {"plays": plays, "ms": ms}
    for dimension, (keys, joins, extra) in _RAW_TOPS.items():
        source = f"FROM listens l JOIN catalog c ON c.id = l.track_id{joins} WHERE {where}{extra}"
        top = conn.execute(f"SELECT {keys}, COUNT(*) AS p, SUM(l.ms_played) AS m {source} "
                           f"GROUP BY {keys} ORDER BY p DESC, m DESC, {keys} LIMIT 10", args)
        out[dimension] = [tuple(str(k) for k in row[:-2]) + (row[-2], row[-1]) for row in top]
        out[f"unique_{dimension}"] = conn.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 {source} GROUP BY {keys})", args).fetchone()[0]
    hours, weekdays = [0] * 24, [0] * 7
    for weekday, hour, count in conn.execute(
            "SELECT (CAST(strftime('%w', played_at, 'unixepoch') AS INTEGER) + 6) % 7, "
            "CAST(strftime('%H', played_at, 'unixepoch') AS INTEGER), COUNT(*) FROM listens l "
            f"WHERE {where} GROUP BY 1, 2", args):
        hours[hour] += count
        weekdays[weekday] += count
    out["hours"], out["weekdays"] = hours, weekdays
    out["days"] = {row[0] for row in conn.execute(
        "SELECT DISTINCT date(played_at, 'unixepoch') FROM listens WHERE user_id = ?", (user_id,))}
    return out


def differences(view: Any, raw: dict[str, Any], today: Any) -> list[str]:
    """The figures of an overview (handlers.listening.analytics.Overview) that differ from
    raw_overview's: totals, every top list with its plays and ms, the distinct counts, the
    hour and weekday distributions, the streak."""
    from handlers.listening.streaks import streak_days

    ours: dict[str, Any] = {
        "plays": view.plays, "ms": view.ms, "hours": view.hours, "weekdays": view.weekdays,
        "track": [(str(t.track.id), t.plays, t.ms) for t in view.top_tracks],
        "artist": [(a.name, a.plays, a.ms) for a in view.top_artists],
        "album": [(a.name, a.artist, a.plays, a.ms) for a in view.top_albums],
        "genre": [(g.key, g.plays, g.ms) for g in view.top_genres],
        "unique_track": view.unique_tracks, "unique_artist": view.unique_artists,
        "unique_album": view.unique_albums, "unique_genre": view.unique_genres}
    wrong = [name for name, value in ours.items() if value != raw[name]]
    if view.streak_days != streak_days(raw["days"], today):
        wrong.append("streak_days")
    return wrong


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def _overviews(data: Path, user_id: int, now: float, calls: int, raw_calls: int
                     ) -> dict[str, dict[str, Any]]:
    from aiohttp import web

    from bench.server_chorus import bench_config
    from handlers.api.keys import ctx_key
    from handlers.listening.analytics import overview
    from handlers.listening.periods import since_day
    from hub.app import create_app

    app = await create_app(bench_config(data))
    runner = web.AppRunner(app)
    await runner.setup()
    raw = sqlite3.connect(data / "chorus.db")
    figures: dict[str, dict[str, Any]] = {}
    try:
        ctx = app[ctx_key]
        user = await ctx.store.users.get(user_id)
        # "now" is just after the last listen (as during the import): every period holds listens
        ctx.clock = lambda: now
        today = datetime.fromtimestamp(now, UTC).date()
        for period in PERIODS:
            since_text = since_day(period, ctx.clock())
            since = calendar.timegm(time.strptime(since_text, "%Y-%m-%d")) if since_text else 0.0
            rolled, direct = [], []
            for call in range(calls):
                start = time.perf_counter()
                view = await overview(ctx, user, period)
                rolled.append((time.perf_counter() - start) * 1000)
                if call >= raw_calls:
                    continue
                start = time.perf_counter()
                figures_raw = raw_overview(raw, user_id, since)
                direct.append((time.perf_counter() - start) * 1000)
            wrong = differences(view, figures_raw, today)
            r50, r99 = _percentiles(rolled)
            g50, g99 = _percentiles(direct)
            figures[period] = {"plays": view.plays, "rollup_p50_ms": r50, "rollup_p99_ms": r99,
                               "group_by_p50_ms": g50, "group_by_p99_ms": g99,
                               "same": float(not wrong), "differences": wrong}
    finally:
        raw.close()
        await runner.cleanup()
    return figures


# --- the run ---------------------------------------------------------------------------------

def measure(run_no: int, opts: argparse.Namespace, export: Path, base: Path) -> Result:
    result = Result(run=run_no, rows=opts.rows, batch=opts.batch)
    plain_dir, chorus_dir = base / f"plain{run_no}", base / f"chorus{run_no}"
    plain_dir.mkdir()
    chorus_dir.mkdir()
    result.plain = _child("plain", export, plain_dir, opts.batch)
    shutil.rmtree(plain_dir, ignore_errors=True)
    result.chorus = _child("chorus", export, chorus_dir, opts.batch)
    result.ratio = result.chorus["listens_per_s"] / result.plain["listens_per_s"]
    result.cpu_ratio = result.plain["cpu_seconds"] / result.chorus["cpu_seconds"]
    result.overview = asyncio.run(_overviews(chorus_dir, result.chorus["user_id"],
                                             export_end(export), opts.calls, opts.raw_calls))
    shutil.rmtree(chorus_dir, ignore_errors=True)
    return result


def table(r: Result) -> str:
    c, p = r.chorus, r.plain
    rows = [("", "plain executemany", "chorus"),
            ("import wall time (s)", f"{p['seconds']:.1f}", f"{c['seconds']:.1f}"),
            ("listens stored", f"{p['listens']}", f"{c['listens']}"),
            ("listens per second", f"{p['listens_per_s']:,.0f}", f"{c['listens_per_s']:,.0f}"),
            ("chorus / plain", "", f"{r.ratio:.2f} (target >= {IMPORT_TARGET})"),
            ("import CPU time (s)", f"{p['cpu_seconds']:.1f}", f"{c['cpu_seconds']:.1f}"),
            ("plain CPU / chorus CPU", "", f"{r.cpu_ratio:.2f}"),
            ("peak RSS (MiB; before)", f"{p['peak_rss_mib']:.0f} ({p['rss_before_mib']:.0f})",
             f"{c['peak_rss_mib']:.0f} ({c['rss_before_mib']:.0f})"),
            ("export reader's peak RSS (MiB)", "", f"{c.get('reader_peak_rss_mib', 0):.0f}")]
    lines = [f"  {a:<28}{b:>20}{c_:>28}" for a, b, c_ in rows]
    lines.append(f"\n  {'overview (ms)':<14}{'plays':>10}{'rollups p50':>14}{'p99':>9}"
                 f"{'GROUP BY p50':>15}{'p99':>9}{'same':>7}")
    for period, o in r.overview.items():
        lines.append(f"  {period:<14}{int(o['plays']):>10}{o['rollup_p50_ms']:>14.1f}"
                     f"{o['rollup_p99_ms']:>9.1f}{o['group_by_p50_ms']:>15.1f}{o['group_by_p99_ms']:>9.1f}"
                     f"{'yes' if o['same'] else 'NO':>7}")
        if o["differences"]:
            lines.append(f"    differs: {', '.join(o['differences'])}")
    lines.append(f"  (target: rollups p99 <= {OVERVIEW_P99_TARGET_MS:.0f} ms)")
    return "\n".join(lines)


def run(opts: argparse.Namespace) -> list[Result]:
    from bench.listening_data import write_extended

    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(prefix="chorus-bench-listening-", dir=shm if shm.is_dir() else None))
    results = []
    try:
        export = base / "Streaming_History_Audio_2015-2025_0.json"
        started = time.perf_counter()
        write_extended(export, opts.rows)
        print(f"export: {opts.rows:,} rows, {export.stat().st_size / 1e6:.0f} MB, written in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        for run_no in range(1, opts.repeat + 1):
            result = measure(run_no, opts, export, base)
            results.append(result)
            print(f"\nlistening: {opts.rows:,}-row extended export, batches of {opts.batch}, "
                  f"overview {opts.calls} calls per period ({opts.raw_calls} by GROUP BY), "
                  f"run {run_no}/{opts.repeat}")
            print(table(result), flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if opts.json is not None:
        opts.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return results


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("listening", help="export import and overview: Chorus vs plain SQL")
    parser.add_argument("--rows", type=int, default=1_000_000, help="export rows (default 1M)")
    parser.add_argument("--batch", type=int, default=5000,
                        help="plays per record_plays call, both sides (default 5000)")
    parser.add_argument("--calls", type=int, default=50, help="overview calls per period (default 50)")
    parser.add_argument("--raw-calls", type=int, default=5,
                        help="GROUP BY overview calls per period (default 5: seconds each at 1M)")
    parser.add_argument("--repeat", type=int, default=1, help="runs (default 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    parser.set_defaults(run=_run_from_args)


def _run_from_args(args: argparse.Namespace) -> int:
    if args.rows < 1000 or min(args.batch, args.calls, args.raw_calls, args.repeat) < 1:
        raise SystemExit("--rows >= 1000; --batch, --calls, --raw-calls, --repeat >= 1")
    run(args)
    return 0


def main(argv: list[str]) -> None:
    """A child process: `chorus|plain EXPORT DATA_DIR BATCH`, its figures as JSON on stdout."""
    side, export, data, batch = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    if side == "chorus":
        figures = asyncio.run(_chorus_import(export, data, batch))
    else:
        figures = _plain_import(export, data, batch)
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
