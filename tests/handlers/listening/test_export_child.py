"""Reading an export in a child process gives what reading it here gives: the same batches and
counts, the same ExportError after the same batches, and the same import."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from bench.listening_data import extended_row
from handlers.listening.export_child import read_in_child
from handlers.listening.imports import IMPORT_BATCH, import_export
from handlers.listening.spotify_export import ExportError, ReadStats, read_plays
from tests.conftest import ctx_of
from tests.handlers.listening.import_helpers import distinct_plays, export_zip
from tests.handlers.social.helpers import register_member

T0 = 1_700_000_000


@pytest.mark.parametrize("skip_rows", [0, 1_234])
def test_the_child_reads_the_batches_and_counts_read_plays_reads(tmp_path: Path, skip_rows: int):
    export = export_zip(tmp_path, 3_000, files=3)
    here, there = ReadStats(), ReadStats()
    expected = list(read_plays(export, batch=700, stats=here, skip_rows=skip_rows))
    got = list(read_in_child(export, batch=700, stats=there, skip_rows=skip_rows))
    assert got == expected and len(got) >= 3
    assert msgspec.structs.asdict(there) == msgspec.structs.asdict(here)
    assert there.rows == 3_000


def test_a_malformed_row_stops_the_child_after_the_batches_before_it(tmp_path: Path):
    rows = ",\n".join(json.dumps(extended_row(T0 + i * 100, 60_000, i)) for i in range(3_000))
    path = tmp_path / "h.json"
    path.write_text("[" + rows.replace("Track 2500", 'Track 2500"x') + "]")
    reader = read_in_child(path, batch=1_000, stats=ReadStats())
    first = next(reader)
    with pytest.raises(ExportError) as err:
        list(reader)
    assert len(first) == 1_000
    assert err.value.message.startswith("h.json is not a readable Spotify streaming history (malformed JSON")


def test_a_reader_closed_early_ends(tmp_path: Path):
    reader = read_in_child(export_zip(tmp_path, 3_000, files=1), batch=500, stats=ReadStats())
    assert len(next(reader)) == 500
    reader.close()
    with pytest.raises(StopIteration):
        next(reader)


async def test_an_import_read_in_a_child_stores_what_one_read_here_stores(client, tmp_path: Path):
    ctx = ctx_of(client)
    alice = await register_member(client, "alice")
    bob = await register_member(client, "bob")
    export = export_zip(tmp_path, 3 * IMPORT_BATCH + 500)
    here = await import_export(ctx, alice.id, export, child_from=1 << 60)
    there = await import_export(ctx, bob.id, export, child_from=0)
    assert there == here and there.added == distinct_plays(export)
    for user in (alice, bob):
        assert await ctx.store.listens.count(user.id) == here.added


def test_a_reader_that_dies_says_why(tmp_path: Path):
    # no file: the child dies before its first frame, and its traceback is in the error
    reader = read_in_child(tmp_path / "missing.json", batch=10, stats=ReadStats())
    with pytest.raises(RuntimeError) as err:
        next(reader)
    assert "FileNotFoundError" in str(err.value) and "missing.json" in str(err.value)
