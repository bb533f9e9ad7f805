"""`POST /1/submit-listens` and `GET /1/validate-token` over HTTP: ListenBrainz's token auth,
its error shape and texts, and /1/ kept for it."""

from __future__ import annotations

import io
import json

from tests.conftest import ctx_of
from tests.handlers.api.listenbrainz.helpers import scrobbler, track

NOT_FOUND = ("The requested URL was not found on the server. If you entered the URL manually "
             "please check your spelling and try again.")


def single(at: int = 1_700_000_000, **info: object) -> dict:
    return {"listen_type": "single", "payload": [{"listened_at": at, "track_metadata": track(**info)}]}


async def test_submitting_needs_a_valid_listen_token(client):
    ada = await scrobbler(client, "ada")
    cases = [({}, "You need to provide an Authorization header."),
             ({"Authorization": "Token"}, "Provided Authorization header is invalid."),
             ({"Authorization": "Token nope"}, "Invalid authorization token."),
             ({"Authorization": f"Bearer {ada.member.token}"}, "Invalid authorization token.")]
    for headers, message in cases:
        resp = await client.post("/1/submit-listens", json=single(), headers=headers)
        assert resp.status == 401 and await resp.json() == {"code": 401, "error": message}


async def test_a_valid_submission_is_accepted(client):
    ada = await scrobbler(client, "ada")
    for payload in (single(), {"listen_type": "import", "payload": single()["payload"] * 3}):
        # no Content-Type, as liblistenbrainz and many scrobblers send it
        resp = await client.post("/1/submit-listens", data=json.dumps(payload).encode(),
                                 headers=ada.auth)
        assert resp.status == 200 and await resp.json() == {"status": "ok"}


async def test_bad_submissions_answer_in_listenbrainz_shape_and_change_nothing(client):
    ada = await scrobbler(client, "ada")
    cases = [
        (b"{", "Cannot parse JSON document: "),
        (json.dumps({**single(), "listen_type": "x"}).encode(),
         "JSON document requires a valid listen_type key."),
        (json.dumps({"listen_type": "playing_now", "payload": [{"track_metadata": track(
            artist="")}]}).encode(), "field track_metadata.artist_name is empty."),
    ]
    for raw, message in cases:
        resp = await client.post("/1/submit-listens", data=raw, headers=ada.auth)
        body = await resp.json()
        assert resp.status == 400 and set(body) == {"code", "error"} and body["code"] == 400
        assert body["error"].startswith(message)
    assert await ctx_of(client).store.listening.for_user(ada.member.id) == []


async def test_a_body_past_the_hub_limit_but_within_listenbrainz_limit_is_read(client):
    ada = await scrobbler(client, "ada")
    listens = [{"listened_at": 1_700_000_000 + i, "track_metadata": track(
        title=f"t{i}", comment="x" * 2000)} for i in range(600)]  # ~1.3 MB > 1 MiB
    raw = json.dumps({"listen_type": "import", "payload": listens}).encode()
    assert len(raw) > ctx_of(client).config.max_body_bytes
    resp = await client.post("/1/submit-listens", data=io.BytesIO(raw), headers=ada.auth)
    assert resp.status == 200 and await resp.json() == {"status": "ok"}


async def test_validate_token_answers_as_listenbrainz(client):
    ada = await scrobbler(client, "ada")
    valid = {"code": 200, "message": "Token valid.", "valid": True, "user_name": "ada"}
    invalid = {"code": 200, "message": "Token invalid.", "valid": False}
    resp = await client.get("/1/validate-token", headers=ada.auth)
    assert resp.status == 200 and await resp.json() == valid
    resp = await client.get("/1/validate-token", params={"token": ada.token})  # older clients
    assert await resp.json() == valid
    resp = await client.get("/1/validate-token", headers={"Authorization": "Token wrong"})
    assert resp.status == 200 and await resp.json() == invalid
    for kwargs in ({}, {"params": {"token": ""}}, {"headers": {"Authorization": "Bearer x"}}):
        resp = await client.get("/1/validate-token", **kwargs)
        assert resp.status == 400 and await resp.json() == {
            "code": 400, "error": "You need to provide an Authorization token."}


async def test_unknown_paths_and_methods_under_1_answer_in_its_shape(client):
    for method, path in (("GET", "/1/nope"), ("POST", "/1/nope"), ("GET", "/1/likes"),
                         ("GET", "/1/playlist/1")):
        resp = await client.request(method, path)
        assert resp.status == 404 and await resp.json() == {"code": 404, "error": NOT_FOUND}
    for method, path in (("GET", "/1/submit-listens"), ("DELETE", "/1/validate-token")):
        resp = await client.request(method, path)
        assert resp.status == 405 and resp.headers["Allow"] == ("POST" if method == "GET" else "GET")
        assert await resp.json() == {
            "code": 405, "error": "The method is not allowed for the requested URL."}
