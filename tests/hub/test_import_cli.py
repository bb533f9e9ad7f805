"""`chorus import --user NAME FILE...` run as a process against a data directory: the
listens it stores, its progress bar and summary, and what it refuses."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from handlers.listening.imports import ImportTally
from hub.import_cli import ProgressBar, summary_line
from store import open_store
from tests.conftest import store_url_for
from tests.handlers.listening.import_helpers import distinct_plays, export_zip

ROOT = Path(__file__).resolve().parents[2]


async def chorus_import(data_dir: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", "import", *args, "--data-dir", str(data_dir),
        "--store", store_url_for(data_dir), "--log-level", "warning", cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def with_store(data_dir: Path, work: Any) -> Any:
    store = open_store(store_url_for(data_dir))
    await store.open()
    try:
        return await work(store)
    finally:
        await store.close()


async def alice_in(data_dir: Path) -> int:
    data_dir.mkdir(parents=True, exist_ok=True)

    async def create(store: Any) -> int:
        return (await store.users.create(username="alice", email="alice@example.com",
                                         role="user")).id

    return int(await with_store(data_dir, create))


async def listens_of(data_dir: Path, user_id: int) -> int:
    async def count(store: Any) -> int:
        return (await store.listens.status(user_id)).listens

    return int(await with_store(data_dir, count))


async def test_the_command_imports_the_files_and_prints_a_summary(tmp_path):
    data_dir = tmp_path / "data"
    alice = await alice_in(data_dir)
    first, second = export_zip(tmp_path, 1500, seed=1), export_zip(tmp_path, 700, seed=2)
    status, out, err = await chorus_import(data_dir, "--user", "alice", str(first), str(second))
    assert status == 0, err
    expected = distinct_plays(first) + distinct_plays(second)
    assert await listens_of(data_dir, alice) == expected
    lines = out.splitlines()
    assert len(lines) == 3 and lines[0].startswith(f"{first.name}: 1,500 rows read, ")
    totals = re.fullmatch(r"total: 2,200 rows read, ([\d,]+) listens added, ([\d,]+) duplicates, "
                          r"([\d,]+) dropped by rule", lines[2])
    assert totals is not None
    added, duplicates, dropped = (int(g.replace(",", "")) for g in totals.groups())
    assert added == expected and added + duplicates + dropped == 2200
    assert "1,500/1,500 rows  100.0%" in err and "700/700 rows  100.0%" in err

    status, out, _ = await chorus_import(data_dir, "--user", "alice", str(first))
    assert status == 0 and ", 0 listens added, " in out  # again: nothing new
    assert await listens_of(data_dir, alice) == expected


async def test_an_unknown_user_or_a_file_that_is_not_an_export_imports_nothing(tmp_path):
    data_dir = tmp_path / "data"
    alice = await alice_in(data_dir)
    export = export_zip(tmp_path, 100)
    status, out, err = await chorus_import(data_dir, "--user", "bob", str(export))
    assert status == 2 and "no user named 'bob'" in err and out == ""
    other = tmp_path / "playlists.json"
    other.write_text('{"playlists": []}')
    status, _, err = await chorus_import(data_dir, "--user", "alice", str(export), str(other))
    assert status == 2 and "playlists.json" in err and "not a Spotify streaming history" in err
    missing = tmp_path / "missing.zip"
    status, _, err = await chorus_import(data_dir, "--user", "alice", str(missing))
    assert status == 2 and "missing.zip" in err
    assert await listens_of(data_dir, alice) == 0


def test_the_progress_bar_shows_rows_rate_and_eta():
    bar = ProgressBar("export.zip", 10_000, sys.stderr)
    line = bar.line(2_500, bar.started + 5)
    assert line == ("export.zip [########----------------------] 2,500/10,000 rows   25.0%  "
                    "500 rows/s  ETA 0:00:15")
    assert summary_line("x.json", ImportTally(rows=10, added=7, duplicates=1, dropped=2)) == \
        "x.json: 10 rows read, 7 listens added, 1 duplicates, 2 dropped by rule"
