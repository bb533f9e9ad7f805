"""The PostgreSQL migrations against the SQLite ones: the same numbered files, and once both
are applied, every SQLite table, column and index has its PostgreSQL twin."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import asyncpg
import pytest

from store.postgres.db import migrations
from store.sqlite.db import Database

# SQLite-only tables and what stands for them in PostgreSQL (migrations 0002 and 0003)
FTS_TABLES = {"catalog_fts", "collections_fts", "posts_fts", "users_fts"}
GEO_VIEWS = {"now_playing_geo", "posts_geo"}
# columns PostgreSQL adds: the tsvector of a searchable table, SQLite's implicit rowid
ADDED_COLUMNS = {"fts", "rowid"}


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> Path:
    db = Database(tmp_path / "chorus.db", readers=0)
    await db.open()
    await db.close()
    return tmp_path / "chorus.db"


def _sqlite_schema(path: Path) -> tuple[dict[str, set[str]], set[str]]:
    """{table: columns} of the tables that are not FTS5 or R*Tree ones, and index names."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        virtual = {name for kind, name, sql in rows
                   if kind == "table" and sql and sql.startswith("CREATE VIRTUAL")}
        shadow = {name for kind, name, _ in rows
                  if kind == "table" and any(name.startswith(f"{v}_") for v in virtual)}
        tables = {name for kind, name, _ in rows if kind == "table"} - virtual - shadow
        tables.discard("schema_version")
        columns = {t: {r[1] for r in conn.execute(f"PRAGMA table_info({t})")} for t in tables}
        indexes = {name for kind, name, sql in rows if kind == "index" and sql}
        return columns, indexes


def test_every_sqlite_migration_has_a_postgres_twin_of_the_same_name():
    folder = resources.files("store.sqlite").joinpath("migrations")
    sqlite_names = sorted(e.name for e in folder.iterdir() if e.name.endswith(".sql"))
    assert [name for _, name, _ in migrations()] == sqlite_names


async def test_every_sqlite_table_column_and_index_has_its_twin(pg, sqlite_file):
    sqlite_columns, sqlite_indexes = _sqlite_schema(sqlite_file)
    rows = await pg.fetch("SELECT table_name, column_name FROM information_schema.columns "
                          "WHERE table_schema = current_schema()")
    pg_columns: dict[str, set[str]] = {}
    for row in rows:
        pg_columns.setdefault(row["table_name"], set()).add(row["column_name"])
    pg_columns.pop("schema_version")
    for view in GEO_VIEWS:  # the R*Trees' shape
        assert pg_columns.pop(view) == {"id", "min_lat", "max_lat", "min_lon", "max_lon"}
    assert {t: c - ADDED_COLUMNS for t, c in pg_columns.items()} == sqlite_columns
    pg_indexes = {r[0] for r in await pg.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}
    assert sqlite_indexes <= pg_indexes
    assert FTS_TABLES <= pg_indexes  # the GIN indexes of the fts columns


async def test_column_types_follow_the_conventions(pg):
    types = {(r[0], r[1]): r[2] for r in await pg.fetch(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema()")}
    assert types[("users", "id")] == types[("posts", "like_count")] == "bigint"
    assert types[("collections", "is_public")] == "bigint"  # flags stay 0/1
    assert types[("posts", "created_at")] == "double precision"
    assert types[("catalog", "artist_names")] == "text"  # JSON, encoded by the repositories
    assert types[("posts", "fts")] == "tsvector"
    identity = {r[0] for r in await pg.fetch(
        "SELECT table_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND column_name = 'id' AND identity_generation = 'BY DEFAULT'")}
    assert {"users", "posts", "catalog", "listens", "comments"} <= identity


async def test_an_explicit_id_is_kept_and_later_ones_follow_once_the_sequence_moves(pg):
    await pg.execute("INSERT INTO users (id, username, created_at, updated_at) "
                     "VALUES (41, 'copied', 0, 0)")
    await pg.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), 41)")
    new_id = await pg.fetchval("INSERT INTO users (username, created_at, updated_at) "
                               "VALUES ('new', 0, 0) RETURNING id")
    assert new_id == 42


async def test_usernames_emails_and_tags_ignore_case_as_with_nocase(pg):
    await pg.execute("INSERT INTO users (username, email, created_at, updated_at) "
                     "VALUES ('Ann', 'Ann@Example.com', 0, 0)")
    assert await pg.fetchval("SELECT count(*) FROM users WHERE username = $1 "
                             "AND email = $2", "aNN", "ann@example.COM") == 1
    with pytest.raises(asyncpg.UniqueViolationError):
        await pg.execute("INSERT INTO users (username, created_at, updated_at) "
                         "VALUES ('ANN', 0, 0)")


async def test_the_geo_views_show_located_rows_and_ignore_writes(pg):
    user = await pg.fetchval("INSERT INTO users (username, created_at, updated_at) "
                             "VALUES ('geo', 0, 0) RETURNING id")
    located = await pg.fetchval(
        "INSERT INTO posts (user_id, link, eid, latitude, longitude, created_at, updated_at) "
        "VALUES ($1, 'l', 'e', 48.85, 2.35, 0, 0) RETURNING id", user)
    await pg.execute("INSERT INTO posts (user_id, link, eid, created_at, updated_at) "
                     "VALUES ($1, 'l', 'e', 0, 0)", user)
    # what store/sqlite/posts.py writes to its R*Tree: accepted, and nothing changes
    await pg.execute("DELETE FROM posts_geo WHERE id = $1", located)
    await pg.execute("INSERT INTO posts_geo (id, min_lat, max_lat, min_lon, max_lon) "
                     "VALUES ($1, 1, 1, 1, 1)", located)
    rows = await pg.fetch("SELECT * FROM posts_geo")
    assert [tuple(r) for r in rows] == [(located, 48.85, 48.85, 2.35, 2.35)]


async def test_a_box_is_read_through_the_place_index(pg):
    await pg.execute("SET enable_seqscan = off")  # an empty table would be scanned otherwise
    plan = "\n".join(r[0] for r in await pg.fetch(
        "EXPLAIN SELECT p.* FROM posts_geo g JOIN posts p ON p.id = g.id "
        "WHERE g.min_lat >= 48 AND g.max_lat <= 49 AND g.min_lon >= 2 AND g.max_lon <= 3"))
    assert "posts_place" in plan
    plan = "\n".join(r[0] for r in await pg.fetch(
        "EXPLAIN SELECT p.* FROM now_playing_geo g JOIN now_playing p ON p.id = g.id "
        "WHERE g.min_lat >= 48 AND g.max_lat <= 49 AND g.min_lon >= 2 AND g.max_lon <= 3"))
    assert "now_playing_place" in plan


async def test_diacritics_and_case_are_folded_in_the_indexed_text(pg):
    user = await pg.fetchval("INSERT INTO users (username, name, created_at, updated_at) "
                             "VALUES ('zoe', 'Zoë Ørsted-Łukasz', 0, 0) RETURNING id")
    found = await pg.fetchval("SELECT id FROM users WHERE fts @@ to_tsquery('simple', "
                              "chorus_unaccent($1))", "'ZOË':* & 'orsted':* & 'luk':*")
    assert found == user


async def test_tags_urls_and_addresses_are_indexed_word_by_word(pg):
    text = "<b>Ada</b> https://open.spotify.com/track/x1 jay@z.com v1.2 a&amp;b"
    words = await pg.fetchval("SELECT tsvector_to_array(to_tsvector('simple', chorus_fold($1)))",
                              text)
    assert set(words) == {"b", "ada", "https", "open", "spotify", "com", "track", "x1", "jay",
                          "z", "v1", "2", "a", "amp"}
