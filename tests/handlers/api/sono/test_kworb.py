"""Sono's /api/v1/kworb routes over charts loaded by `chorus charts import` (CSV and saved
kworb.net HTML), or read from a scraper's database (KWORB_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from hub.cli import main
from tests.conftest import ctx_of

KWORB = "/api/v1/kworb"


async def chorus(argv: list[str]) -> int:
    """The command line, as an operator runs it beside the server (its own event loop)."""
    return await asyncio.to_thread(main, argv)


def on_store_of(client: Any) -> list[str]:
    """The flags naming the running server's data folder and store."""
    config = ctx_of(client).config
    return ["--data-dir", str(config.data_path), "--store", config.store_url]


ARTISTS_HTML = """<html><body><table class="sortable">
<thead><tr><th>Artist</th><th>Streams</th><th>Daily</th><th>As lead</th><th>Solo</th>
<th>As feature</th></tr></thead><tbody>
<tr><td><a href="artist/1.html">Drake</a></td><td>123,456,789</td><td>1,234,567</td>
<td>100,000,000</td><td>80,000,000</td><td>23,456,789</td></tr>
<tr><td>Taylor Swift</td><td>120,000,000</td><td>2,000,000</td><td>110,000,000</td>
<td>105,000,000</td><td>10,000,000</td></tr>
<tr><td>Drake Bell</td><td>1,000</td><td>10</td><td>1,000</td><td>1,000</td><td>0</td></tr>
</tbody></table><table><tr><th>Other</th></tr><tr><td>ignored</td></tr></table></body></html>
"""
LISTENERS_CSV = """rank,artist,listeners,peak,peak_date
1,The Weeknd,98765432,111000000,2024-12-15
2,DRAKE,80000000,90000000,2023-01-02
"""
SONGS_HTML = """<table><tr><th>Artist and Title</th><th>Streams</th><th>Daily</th></tr>
<tr><td>Drake - One Dance</td><td>3,000,000,000</td><td>5,000,000</td></tr>
<tr><td>The Weeknd - Blinding Lights</td><td>4,500,000,000</td><td>6,000,000</td></tr>
</table>"""


async def test_no_data_is_empty_lists(client):
    for path in ("top-streamed-artists", "monthly-listeners", "top-songs"):
        resp = await client.get(f"{KWORB}/{path}")
        assert resp.status == 200 and await resp.json() == []
    resp = await client.get(f"{KWORB}/artist/anyone")
    assert await resp.json() == {"top_streamed": [], "monthly_listeners": [], "top_songs": []}


async def test_imported_charts_are_served_and_searched(client, tmp_path):
    files = {"artists.html": ARTISTS_HTML, "listeners.csv": LISTENERS_CSV,
             "songs.html": SONGS_HTML}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    status = await chorus(["charts", "import", *on_store_of(client),
                   "--scraped-at", "2025-01-01T00:00:00", *(str(tmp_path / n) for n in files)])
    assert status == 0
    top = await (await client.get(f"{KWORB}/top-streamed-artists?limit=2")).json()
    assert top[0] == {"rank": 1, "artist": "Drake", "streams": 123456789, "daily": 1234567,
                      "as_lead": 100000000, "solo": 80000000, "as_feature": 23456789,
                      "scraped_at": "2025-01-01T00:00:00"}
    assert [r["artist"] for r in top] == ["Drake", "Taylor Swift"]
    page = await (await client.get(f"{KWORB}/top-streamed-artists?offset=2")).json()
    assert [r["rank"] for r in page] == [3]
    listeners = await (await client.get(f"{KWORB}/monthly-listeners")).json()
    assert listeners[0] == {"rank": 1, "artist": "The Weeknd", "listeners": 98765432,
                            "peak": 111000000, "peak_date": "2024-12-15",
                            "scraped_at": "2025-01-01T00:00:00"}
    songs = await (await client.get(f"{KWORB}/top-songs")).json()
    assert songs[1]["title"] == "Blinding Lights" and songs[1]["artist"] == "The Weeknd"
    found = await (await client.get(f"{KWORB}/artist/drAK")).json()
    assert [r["artist"] for r in found["top_streamed"]] == ["Drake", "Drake Bell"]
    assert [r["artist"] for r in found["monthly_listeners"]] == ["DRAKE"]
    assert [r["title"] for r in found["top_songs"]] == ["One Dance"]


async def test_artist_search_returns_at_most_ten_per_chart(client, tmp_path):
    rows = "\n".join(f"{i},Band {i},{1000 - i}" for i in range(1, 31))
    (tmp_path / "a.csv").write_text("rank,artist,streams\n" + rows + "\n")
    assert await chorus(["charts", "import", *on_store_of(client), str(tmp_path / "a.csv")]) == 0
    found = await (await client.get(f"{KWORB}/artist/band")).json()
    assert len(found["top_streamed"]) == 10 and found["top_streamed"][0]["rank"] == 1
    # the file's time stands for scraped_at when none is given
    assert found["top_streamed"][0]["scraped_at"][:2] == "20"


async def test_bad_queries_and_files_are_refused_and_change_nothing(client, tmp_path):
    for query in ("limit=0", "limit=1001", "limit=x", "offset=-1"):
        resp = await client.get(f"{KWORB}/top-songs?{query}")
        assert resp.status == 422, query
        assert (await resp.json())["detail"][0]["loc"][0] == "query"
    (tmp_path / "bad.csv").write_text("name,count\nx,1\n")
    assert await chorus(["charts", "import", *on_store_of(client), str(tmp_path / "bad.csv")]) == 1
    assert await (await client.get(f"{KWORB}/top-streamed-artists")).json() == []


async def test_a_scrapers_database_is_read_when_configured(make_client, tmp_path):
    path = tmp_path / "kworb.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE top_songs (rank INTEGER, title TEXT, artist TEXT, "
                   "streams INTEGER, daily INTEGER, scraped_at TEXT)")
        db.execute("INSERT INTO top_songs VALUES (1, 'Song', 'Someone', 5, 1, '2025-02-02')")
    client = await make_client(kworb_database_url=f"sqlite:///{path}")
    songs = await (await client.get(f"{KWORB}/top-songs")).json()
    assert songs == [{"rank": 1, "title": "Song", "artist": "Someone", "streams": 5,
                      "daily": 1, "scraped_at": "2025-02-02"}]
    # the tables it lacks read as empty
    assert await (await client.get(f"{KWORB}/monthly-listeners")).json() == []
    found = await (await client.get(f"{KWORB}/artist/SOME")).json()
    assert [r["title"] for r in found["top_songs"]] == ["Song"]
