"""The unidirectional transports, read with a plain HTTP client: uni_sse (GET and POST) and
uni_http_stream (shared/protocol/centrifuge.md §9)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from handlers.crypto import sign_access_token
from handlers.identity.auth import start_token_session
from hub.keys import node_key
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.waiting import TIMEOUT, until

SSE = "/connection/uni_sse"
STREAM = "/connection/uni_http_stream"


async def _user_and_token(client: TestClient, name: str = "ada") -> tuple[Any, str]:
    await client.post("/api/register", json={
        "username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD})
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(name)
    return user, (await start_token_session(ctx, user)).access_token


async def _open_sse(client: TestClient, connect: dict[str, Any] | None = None) -> ClientResponse:
    params = {"cf_connect": json.dumps(connect)} if connect is not None else None
    resp = await client.get(SSE, params=params)
    assert resp.status == 200
    return resp


async def _next_event(resp: ClientResponse) -> dict[str, Any]:
    """The next SSE event's JSON; only `data:` lines and blank separators are allowed."""
    while True:
        line = await asyncio.wait_for(resp.content.readline(), TIMEOUT)
        assert line, "stream ended"
        if line.startswith(b"data: "):
            assert await asyncio.wait_for(resp.content.readline(), TIMEOUT) == b"\n"
            return json.loads(line[len(b"data: "):])
        assert line == b"\r\n", line  # only the preamble comes outside an event


async def _next_line(resp: ClientResponse) -> dict[str, Any]:
    line = await asyncio.wait_for(resp.content.readline(), TIMEOUT)
    assert line.endswith(b"\n"), line
    return json.loads(line)


async def _next_push(resp: ClientResponse, kind: str) -> dict[str, Any]:
    """Skip pings; the next push that has `kind`."""
    read = _next_event if resp.url.path == SSE else _next_line
    while True:
        push = await read(resp)
        if kind in push:
            return push


async def _ends(resp: ClientResponse) -> bool:
    return await asyncio.wait_for(resp.content.read(), TIMEOUT) == b""


# ---- uni_sse ------------------------------------------------------------------------------


async def test_sse_stream_sends_headers_then_crlf_then_the_connect_push(client):
    resp = await _open_sse(client)
    assert resp.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert resp.headers["Cache-Control"] == \
        "private, no-cache, no-store, must-revalidate, max-age=0"
    assert resp.headers["Pragma"] == "no-cache"
    assert resp.headers["X-Accel-Buffering"] == "no"
    assert resp.headers["Expire"] == "0"
    assert resp.headers["Connection"] == "keep-alive"
    assert "Content-Encoding" not in resp.headers
    start = await asyncio.wait_for(resp.content.readuntil(b"\n\n"), TIMEOUT)
    assert start.startswith(b'\r\ndata: {"connect":{')
    connect = json.loads(start[len(b"\r\ndata: "):])["connect"]
    assert connect["client"] and connect["session"] and connect["session"] != connect["client"]
    assert "pong" not in connect
    assert list(connect["subs"]) == ["announcements"]  # anonymous: no user channel
    resp.close()


async def test_token_in_cf_connect_subscribes_the_user_channel_and_announcements(client):
    user, token = await _user_and_token(client)
    resp = await _open_sse(client, {"token": token})
    connect = (await _next_event(resp))["connect"]
    assert set(connect["subs"]) == {f"user:#{user.id}", "announcements"}
    assert connect["expires"] is True and connect["ttl"] > 0
    resp.close()


async def test_session_cookie_authenticates_a_same_origin_sse_stream(client):
    user, _ = await _user_and_token(client)
    login = await client.post("/api/login", json={"username": "ada", "password": STRONG_PASSWORD})
    assert login.status == 200
    resp = await _open_sse(client)  # the client's cookie jar carries the session cookie
    connect = (await _next_event(resp))["connect"]
    assert f"user:#{user.id}" in connect["subs"]
    resp.close()


async def test_publication_arrives_as_an_sse_data_event(client):
    user, token = await _user_and_token(client)
    resp = await _open_sse(client, {"token": token})
    await _next_push(resp, "connect")
    await client.server.app[node_key].publish(f"user:#{user.id}", {"hello": "sse"})
    push = await _next_push(resp, "pub")
    assert push["channel"] == f"user:#{user.id}"
    assert push["pub"]["data"] == {"hello": "sse"}
    assert push["pub"]["offset"] == 1
    resp.close()


async def test_subs_in_cf_connect_subscribe_allowed_channels_and_skip_refused_ones(client):
    user, token = await _user_and_token(client)
    other, _ = await _user_and_token(client, "bob")
    wanted = {"nearby:u4pru": {}, f"user:#{other.id}": {}, "nosuch:x": {}}
    resp = await _open_sse(client, {"token": token, "subs": wanted})
    connect = (await _next_event(resp))["connect"]
    assert "nearby:u4pru" in connect["subs"]
    assert f"user:#{other.id}" not in connect["subs"]
    assert "nosuch:x" not in connect["subs"]
    node = client.server.app[node_key]
    assert f"user:#{other.id}" not in node.channels
    await node.publish("nearby:u4pru", {"track": "song"})
    push = await _next_push(resp, "pub")
    assert push["channel"] == "nearby:u4pru" and push["pub"]["data"] == {"track": "song"}
    resp.close()


async def test_subs_naming_ids_beyond_any_user_are_skipped_not_a_failed_connect(client):
    user, token = await _user_and_token(client)
    huge = "9" * 23  # beyond SQLite's integers
    wanted = {f"posts:{huge}": {}, f"nowplaying:{huge}": {}, f"posts:{user.id}": {}}
    resp = await _open_sse(client, {"token": token, "subs": wanted})
    connect = (await _next_event(resp))["connect"]  # not a disconnect push
    assert f"posts:{user.id}" in connect["subs"]
    assert f"posts:{huge}" not in connect["subs"] and f"nowplaying:{huge}" not in connect["subs"]
    resp.close()


async def test_anonymous_sse_may_ask_for_a_public_channel(client):
    resp = await _open_sse(client, {"subs": {"hot": {}}})
    connect = (await _next_event(resp))["connect"]
    assert set(connect["subs"]) == {"hot", "announcements"}
    resp.close()


async def test_invalid_token_ends_the_stream_with_a_3500_disconnect_push(client):
    resp = await _open_sse(client, {"token": "not-a-token"})
    push = await _next_event(resp)
    assert push == {"disconnect": {"code": 3500, "reason": "invalid token"}}
    assert await _ends(resp)


async def test_expired_token_ends_the_stream_with_a_3005_disconnect_push(client):
    user, _ = await _user_and_token(client)
    token = sign_access_token(ctx_of(client).keys.signing_key, user.id, "sid", user.role, -10)
    resp = await _open_sse(client, {"token": token})
    push = await _next_event(resp)
    assert push["disconnect"]["code"] == 3005
    assert push["disconnect"]["reason"]
    assert await _ends(resp)
    assert not client.server.app[node_key].clients


async def test_malformed_cf_connect_is_answered_400(client):
    resp = await client.get(SSE, params={"cf_connect": "{not json"})
    assert resp.status == 400
    resp = await client.get(SSE, params={"cf_connect": '["a list"]'})
    assert resp.status == 400


async def test_sse_takes_the_connect_request_as_a_post_body(client):
    user, token = await _user_and_token(client)
    resp = await client.post(SSE, data=json.dumps({"token": token}))
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    connect = (await _next_event(resp))["connect"]
    assert f"user:#{user.id}" in connect["subs"]
    resp.close()


async def test_sse_post_body_over_64_kib_is_answered_413(client):
    resp = await client.post(SSE, data=b'{"data":"' + b"x" * 70_000 + b'"}')
    assert resp.status == 413


async def test_sse_refuses_other_methods_with_405(client):
    for method in ("PUT", "DELETE", "HEAD"):
        resp = await client.request(method, SSE)
        assert resp.status == 405, method


async def test_sse_pings_are_empty_data_events(make_client):
    client = await make_client(ws_ping_interval=0.2)
    resp = await _open_sse(client)
    assert "connect" in await _next_event(resp)
    assert await _next_event(resp) == {}
    assert await _next_event(resp) == {}
    resp.close()


async def test_shutdown_ends_the_sse_stream_with_a_3001_disconnect_push(client):
    resp = await _open_sse(client)
    await _next_push(resp, "connect")
    shutdown = asyncio.ensure_future(client.server.app[node_key].shutdown())
    push = await _next_push(resp, "disconnect")
    assert push == {"disconnect": {"code": 3001, "reason": "shutdown"}}
    assert await _ends(resp)
    await asyncio.wait_for(shutdown, TIMEOUT)
    assert not client.server.app[node_key].clients


async def test_app_shutdown_ends_open_sse_streams(client):
    resp = await _open_sse(client)
    await _next_push(resp, "connect")
    shutdown = asyncio.ensure_future(client.server.app.shutdown())
    push = await _next_push(resp, "disconnect")
    assert push["disconnect"]["code"] == 3001
    assert await _ends(resp)
    await asyncio.wait_for(shutdown, TIMEOUT)


async def test_disconnect_user_ends_their_sse_stream_with_its_code(client):
    user, token = await _user_and_token(client)
    resp = await _open_sse(client, {"token": token})
    await _next_push(resp, "connect")
    assert await client.server.app[node_key].disconnect_user(user.id, "account deleted") == 1
    push = await _next_push(resp, "disconnect")
    assert push == {"disconnect": {"code": 3503, "reason": "account deleted"}}
    assert await _ends(resp)


async def test_a_reader_that_goes_away_is_removed_from_the_node(make_client):
    client = await make_client(ws_ping_interval=0.2)
    resp = await _open_sse(client, {"subs": {"hot": {}}})
    await _next_push(resp, "connect")
    node = client.server.app[node_key]
    assert len(node.clients) == 1
    resp.close()
    await until(lambda: not node.clients and "hot" not in node.channels)


# ---- uni_http_stream ------------------------------------------------------------------------


async def test_http_stream_sends_the_connect_push_as_the_first_json_line(client):
    user, token = await _user_and_token(client)
    resp = await client.post(STREAM, data=json.dumps({"token": token}))
    assert resp.status == 200
    assert resp.headers["Cache-Control"] == \
        "private, no-cache, no-store, must-revalidate, max-age=0"
    assert "text/event-stream" not in resp.headers.get("Content-Type", "")
    first = await asyncio.wait_for(resp.content.readline(), TIMEOUT)
    assert first.startswith(b'{"connect":{') and first.endswith(b"}\n")
    connect = json.loads(first)["connect"]
    assert set(connect["subs"]) == {f"user:#{user.id}", "announcements"}
    assert connect["session"] and "pong" not in connect
    resp.close()


async def test_publication_arrives_as_an_ndjson_line(client):
    resp = await client.post(STREAM, data=json.dumps({"subs": {"nearby:u4pru": {}}}))
    assert "nearby:u4pru" in (await _next_line(resp))["connect"]["subs"]
    await client.server.app[node_key].publish("nearby:u4pru", {"n": 1})
    push = await _next_push(resp, "pub")
    assert push["channel"] == "nearby:u4pru" and push["pub"]["data"] == {"n": 1}
    resp.close()


async def test_http_stream_treats_an_empty_body_as_an_empty_connect_request(client):
    resp = await client.post(STREAM)
    assert resp.status == 200
    assert "connect" in await _next_line(resp)
    resp.close()


async def test_http_stream_answers_bad_json_with_400(client):
    resp = await client.post(STREAM, data=b"{oops")
    assert resp.status == 400


async def test_http_stream_options_and_other_methods(client):
    resp = await client.options(STREAM)
    assert resp.status == 204
    assert resp.headers["Access-Control-Max-Age"] == "300"
    assert resp.headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    for method in ("GET", "PUT"):
        resp = await client.request(method, STREAM)
        assert resp.status == 405, method


async def test_http_stream_invalid_token_gives_a_3500_disconnect_line(client):
    resp = await client.post(STREAM, data=json.dumps({"token": "nope"}))
    assert await _next_line(resp) == {"disconnect": {"code": 3500, "reason": "invalid token"}}
    assert await _ends(resp)


async def test_http_stream_pings_are_empty_objects(make_client):
    client = await make_client(ws_ping_interval=0.2)
    resp = await client.post(STREAM, data=b"{}")
    assert "connect" in await _next_line(resp)
    assert await asyncio.wait_for(resp.content.readline(), TIMEOUT) == b"{}\n"
    resp.close()


async def test_shutdown_ends_the_http_stream_with_a_3001_disconnect_line(client):
    resp = await client.post(STREAM, data=b"{}")
    await _next_line(resp)
    shutdown = asyncio.ensure_future(client.server.app[node_key].shutdown())
    assert await _next_push(resp, "disconnect") == {
        "disconnect": {"code": 3001, "reason": "shutdown"}}
    assert await _ends(resp)
    await asyncio.wait_for(shutdown, TIMEOUT)


async def test_a_backlog_over_the_queue_limit_disconnects_the_reader_as_slow(make_client):
    client = await make_client(ws_max_queue_bytes=4096)
    resp = await client.post(STREAM, data=json.dumps({"subs": {"hot": {}}}))
    await _next_line(resp)
    node = client.server.app[node_key]
    for n in range(20):  # publishing never waits for the reader, so the backlog builds up
        await node.publish("hot", {"n": n, "pad": "x" * 1000})
    push = await _next_push(resp, "disconnect")
    assert push == {"disconnect": {"code": 3008, "reason": "slow"}}
    assert await _ends(resp)
