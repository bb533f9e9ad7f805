"""`GET /1/user/<name>/listens` and `/listen-count`: stored submissions read back in
ListenBrainz's shape, its min_ts/max_ts/count rules and errors, the now-playing visibility
rule, and the dedup of a re-submitted import."""

from __future__ import annotations

import uuid
from typing import Any

from handlers.listening.listenbrainz_reads import RECORDING_NAMESPACE
from store.records import UserPatch
from tests.conftest import ctx_of
from tests.handlers.api.listenbrainz.helpers import Scrobbler, scrobbler, track
from tests.handlers.api.social_helpers import insert_member

SPOTIFY_ID = "4iV5W9uYEdYUVa79Axb7Rh"
T0 = 1_700_000_000


async def submit(client, who: Scrobbler, listen_type: str, listens: list[dict[str, Any]]) -> None:
    resp = await client.post("/1/submit-listens", headers=who.auth,
                             json={"listen_type": listen_type, "payload": listens})
    assert resp.status == 200, await resp.text()


def imported(count: int) -> list[dict[str, Any]]:
    """`count` listens of distinct local tracks, ten seconds apart from T0."""
    return [{"listened_at": T0 + 10 * i, "track_metadata": track(title=f"Song {i}",
                                                                 duration_ms=200_000)}
            for i in range(count)]


async def listens(client, name: str, status: int = 200, headers: dict[str, str] | None = None,
                  **query: Any) -> dict[str, Any]:
    resp = await client.get(f"/1/user/{name}/listens", params=query, headers=headers or {})
    assert resp.status == status, await resp.text()
    return await resp.json()


async def listen_count(client, name: str, status: int = 200,
                       headers: dict[str, str] | None = None) -> dict[str, Any]:
    resp = await client.get(f"/1/user/{name}/listen-count", headers=headers or {})
    assert resp.status == status, await resp.text()
    return await resp.json()


def stamps(body: dict[str, Any]) -> list[int]:
    return [x["listened_at"] for x in body["payload"]["listens"]]


async def test_listens_read_back_in_listenbrainz_shape(client):
    ada = await scrobbler(client, "ada")
    metadata = {**track(spotify_id=f"https://open.spotify.com/track/{SPOTIFY_ID}",
                        duration_ms=305_000, media_player="Navidrome"),
                "release_name": "Homogenic"}
    await submit(client, ada, "import", [{"listened_at": T0, "track_metadata": metadata}])
    body = await listens(client, "ada", headers=ada.auth)
    payload = body["payload"]
    assert payload["count"] == 1 and payload["user_id"] == "ada"
    assert payload["latest_listen_ts"] == payload["oldest_listen_ts"] == T0
    [listen] = payload["listens"]
    msid = str(uuid.uuid5(RECORDING_NAMESPACE, f"spotify:{SPOTIFY_ID}"))
    assert listen["listened_at"] == T0 and listen["recording_msid"] == msid
    assert listen["user_name"] == "ada" and listen["inserted_at"] > T0
    meta = listen["track_metadata"]
    assert (meta["artist_name"], meta["track_name"], meta["release_name"]) == (
        "Björk", "Jóga", "Homogenic")
    assert meta["additional_info"]["spotify_id"] == f"https://open.spotify.com/track/{SPOTIFY_ID}"
    assert meta["additional_info"]["media_player"] == "Navidrome"
    assert meta["additional_info"]["recording_msid"] == msid
    assert await listen_count(client, "ada", headers=ada.auth) == {"payload": {"count": 1}}


async def test_bounds_and_count(client):
    ada = await scrobbler(client, "ada", extra={"nowplaying_visibility": "public"})
    await submit(client, ada, "import", imported(5))  # T0, T0+10, ..., T0+40
    assert stamps(await listens(client, "ada")) == [T0 + 40, T0 + 30, T0 + 20, T0 + 10, T0]
    assert stamps(await listens(client, "ada", count=2)) == [T0 + 40, T0 + 30]
    assert stamps(await listens(client, "ada", count=0)) == []
    assert stamps(await listens(client, "ada", max_ts=T0 + 20)) == [T0 + 10, T0]
    # min_ts: the listens just after it, still newest first
    assert stamps(await listens(client, "ada", min_ts=T0 + 10, count=2)) == [T0 + 30, T0 + 20]
    assert stamps(await listens(client, "ada", min_ts=T0 + 40)) == []
    assert stamps(await listens(client, "ada", count=5000)) == [T0 + 40 - 10 * i for i in range(5)]


async def test_bad_arguments_and_unknown_users(client):
    await scrobbler(client, "ada", extra={"nowplaying_visibility": "public"})
    cases = [({"min_ts": T0, "max_ts": T0 + 1}, "You may only specify max_ts or min_ts, not both."),
             ({"min_ts": "soon"}, "Invalid min_ts argument: soon"),
             ({"max_ts": "1.5"}, "Invalid max_ts argument: 1.5"),
             ({"count": "many"}, "'count' should be a non-negative integer"),
             ({"count": -1}, "'count' should be a non-negative integer")]
    for query, message in cases:
        assert await listens(client, "ada", 400, **query) == {"code": 400, "error": message}
    assert await listens(client, "nobody", 404) == {"code": 404, "error": "Cannot find user: nobody"}
    assert await listen_count(client, "nobody", 404) == {
        "code": 404, "error": "Cannot find user: nobody"}


async def test_private_listens_are_hidden_from_strangers(client):
    ada = await scrobbler(client, "ada")  # now-playing (so listens) for followers only
    await submit(client, ada, "import", imported(2))
    bob = await insert_member(client, "bob")
    carol = await insert_member(client, "carol")
    await ctx_of(client).store.follows.follow(carol.id, ada.member.id)
    hidden = {"code": 404, "error": "Cannot find user: ada"}
    for headers in ({}, bob.auth):
        assert await listens(client, "ada", 404, headers) == hidden
        assert await listen_count(client, "ada", 404, headers) == hidden
    for headers in (ada.auth, ada.member.auth, carol.auth):
        assert stamps(await listens(client, "ada", headers=headers)) == [T0 + 10, T0]
        assert await listen_count(client, "ada", headers=headers) == {"payload": {"count": 2}}
    await ctx_of(client).store.users.update(ada.member.id,
                                            UserPatch(extra={"nowplaying_visibility": "public"}))
    assert await listen_count(client, "ada") == {"payload": {"count": 2}}


async def test_a_resubmitted_import_is_stored_once(client):
    ada = await scrobbler(client, "ada")
    await submit(client, ada, "import", imported(3))
    await submit(client, ada, "import", imported(4))  # the same three and one more
    assert await listen_count(client, "ada", headers=ada.auth) == {"payload": {"count": 4}}
    assert stamps(await listens(client, "ada", headers=ada.auth)) == [T0 + 30, T0 + 20, T0 + 10, T0]


async def test_a_short_scrobbled_listen_counts_as_a_30_second_play(client):
    ada = await scrobbler(client, "ada")
    await submit(client, ada, "import", [{"listened_at": T0, "track_metadata": track(
        duration_played=10)}])
    resp = await client.get("/api/v1/history", headers=ada.member.auth)
    [item] = (await resp.json())["items"]
    assert item["ms_played"] == 30_000 and item["source"] == "listenbrainz"
