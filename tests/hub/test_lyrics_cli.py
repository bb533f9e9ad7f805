"""`chorus lyrics import DIR`: files matched by tags or names, a report of the others."""

from __future__ import annotations

import io
from pathlib import Path

from hub.config import Config
from hub.lyrics_cli import run_lyrics_import
from store import open_store
from tests.conftest import make_config, store_url_for
from tests.handlers.quiz.helpers import seed_song


async def test_lyrics_files_are_matched_by_tags_or_names(tmp_path: Path) -> None:
    config: Config = make_config(tmp_path / "data")
    config.data_path.mkdir(parents=True)
    store = open_store(config.store_url)
    await store.open()

    class Seeding:
        pass

    ctx = Seeding()
    ctx.store = store  # type: ignore[attr-defined]
    tagged = await seed_song(ctx, "0000000000000000000001", "Yellow Submarine", "The Beatles")
    named = await seed_song(ctx, "0000000000000000000002", "Wonderwall", "Oasis")
    await store.close()
    folder = tmp_path / "lyrics"
    (folder / "sub").mkdir(parents=True)
    (folder / "any name.lrc").write_text(
        "[ar:The Beatles]\n[ti:Yellow Submarine]\n[00:01.00]In the town\n[00:03.00]Lived a man")
    (folder / "sub" / "oasis - wonderwall.txt").write_text("Today is gonna be the day\n")
    (folder / "Nobody - Unknown.txt").write_text("words")
    (folder / "notes.txt").write_text("no names here")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8")
    out, err = io.StringIO(), io.StringIO()
    status = await run_lyrics_import(config, folder, out=out, err=err)
    assert status == 1, err.getvalue()  # two files matched nothing
    report = out.getvalue()
    assert "2 imported, 2 not matched" in report
    assert "unmatched Nobody - Unknown.txt: no catalog track Nobody - Unknown" in report
    assert "unmatched notes.txt" in report
    store = open_store(config.store_url)
    await store.open()
    try:
        lrc = await store.lyrics.get(tagged.id)
        txt = await store.lyrics.get(named.id)
    finally:
        await store.close()
    assert lrc.plain == "In the town\nLived a man" and lrc.synced.startswith("[ar:")
    assert lrc.source == "import"
    assert txt.plain == "Today is gonna be the day" and txt.synced is None


async def test_a_missing_folder_is_exit_status_2(tmp_path: Path) -> None:
    err = io.StringIO()
    status = await run_lyrics_import(make_config(tmp_path / "d"), tmp_path / "nope",
                                     out=io.StringIO(), err=err)
    assert status == 2 and "is not a folder" in err.getvalue()


def test_chorus_lyrics_import_runs_from_the_command_line(tmp_path: Path) -> None:
    import asyncio

    from hub.cli import main

    folder = tmp_path / "lyrics"
    folder.mkdir()
    (folder / "Nobody - Unknown.txt").write_text("words")
    status = main(["lyrics", "import", str(folder), "--data-dir", str(tmp_path / "data"),
                   "--store", store_url_for(tmp_path / "data"), "--log-level", "WARNING"])
    assert status == 1  # the store is empty: the one file matched nothing
    assert asyncio.run(_lyrics_count(tmp_path / "data")) == 0


async def _lyrics_count(data_dir: Path) -> int:
    store = open_store(store_url_for(data_dir))
    await store.open()
    try:
        return await store.lyrics.count()
    finally:
        await store.close()
