"""The black-box sweep of issue 17, kept: every route of the router gets a fixed set of malformed
inputs (deep JSON, broken multipart, a non-JSON body sent as JSON, huge and negative numbers,
NUL and invalid UTF-8 in paths and parameters, an oversized body), anonymous, as a user and as
the admin; no answer may be a 5xx or carry a traceback. A new route is swept as soon as it is
registered. The websocket gets the same kind of input and must answer client errors."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient
from yarl import URL

from handlers.api.dialect import STREAMING_ATTR
from hub.realtime import codes
from tests.conftest import STRONG_PASSWORD
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.hub.realtime.helpers import chorus_account
from tests.waiting import TIMEOUT

HUGE = "99999999999999999999999"  # beyond SQLite's integers (2**63 - 1)
DEEP_ARRAY = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
OVERSIZED = b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}'

# path parameters: a plausible value first (it carries the body and query cases), then the
# malformed ones, each sent once with no body
SAMPLE_SEGMENT = "1"
MALFORMED_SEGMENTS = ["-1", HUGE, f"{HUGE}_{HUGE}", "1_-1", "%00", "%ff", "a%00b", "%ff%fe"]

QUERIES = [
    "&".join(f"{name}={HUGE}" for name in ("limit", "skip", "offset", "page", "id")),
    "&".join(f"{name}=-1" for name in ("limit", "skip", "offset", "page", "id")),
    "limit=1e999&skip=nan&offset=0x10&page=%00&id=%ff",
    "q=%00&search=%ff&callback=%ff&format=json&after=" + HUGE + "&before=-1",
    "cf_connect=" + quote(json.dumps({"data": "x"}).replace('"x"', DEEP_ARRAY)),
    "cf_connect=" + quote(json.dumps({"subs": {f"posts:{HUGE}": {}}})),
]

TRUNCATED_MULTIPART = (b'--sweep\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
                       b"Content-Type: image/png\r\n\r\n\x89PNG")
BODIES: list[tuple[str, bytes]] = [
    ("application/json", DEEP_ARRAY.encode()),
    ("application/json", DEEP_OBJECT.encode()),
    ("application/json", b"this is not json {"),
    ("application/json", b"\xff\xfe\x00"),
    ("application/json", json.dumps({
        name: int(HUGE) for name in ("id", "post_id", "user_id", "limit", "skip", "pId", "uId")
    }).encode()),
    ("application/json", json.dumps({
        "link": 7, "url": [], "username": {}, "password": 1, "email": None, "name": [1],
    }).encode()),
    ("multipart/form-data", b"a=1"),
    ("multipart/form-data; boundary=sweep", TRUNCATED_MULTIPART),
    ("application/x-www-form-urlencoded", f"id={HUGE}&limit=-1&name=%ff%00&pId={HUGE}".encode()),
    ("text/plain", b"\xff\xfe{"),
]
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# 503 by design while Spotify is not configured (as in the tests): the only 5xx allowed
NOT_CONFIGURED = ("/api/v1/auth/login?", "/api/spotify/auth/?")
TRACEBACK = re.compile(r'Traceback|File "')


@dataclass(frozen=True)
class Case:
    """One request of the sweep; `streaming`: the route may answer with an open stream."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    streaming: bool = False

    def __str__(self) -> str:
        kind = self.headers.get("Content-Type", "")
        size = f" {len(self.body)} bytes" if self.body is not None else ""
        return f"{self.method} {self.path[:120]} {kind}{size}"


def _fill(canonical: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, canonical)


def _route_order(route: web.AbstractRoute) -> tuple[int, str]:
    """Signing out and maintenance switches last, so they cannot hide the routes after them."""
    path = route.resource.canonical if route.resource else ""
    return (1 if "logout" in path or "maintenance" in path else 0), path


def cases(app: web.Application, *, oversized: bool) -> Iterator[Case]:
    for route in sorted(app.router.routes(), key=_route_order):
        if route.resource is None or route.method == "*":
            continue
        canonical, method = route.resource.canonical, route.method
        streaming = bool(getattr(route.handler, STREAMING_ATTR, False))
        path = _fill(canonical, SAMPLE_SEGMENT)
        if path != canonical:
            for segment in MALFORMED_SEGMENTS:
                yield Case(method, _fill(canonical, segment), streaming=streaming)
        for query in QUERIES:
            yield Case(method, f"{path}?{query}", streaming=streaming)
        if method in BODY_METHODS:
            for content_type, body in BODIES:
                yield Case(method, path, {"Content-Type": content_type}, body, streaming)
            if oversized:
                yield Case(method, path, {"Content-Type": "application/json"}, OVERSIZED,
                           streaming)


async def answer(client: TestClient, case: Case, auth: dict[str, str]) -> str | None:
    """What is wrong with the answer to `case`, or None."""
    url = client.make_url("").join(URL(case.path, encoded=True))
    async with asyncio.timeout(TIMEOUT):
        data = None if case.body is None else io.BytesIO(case.body)  # no warning for big ones
        async with client.session.request(case.method, url, data=data,
                                          headers={**auth, **case.headers},
                                          allow_redirects=False) as resp:
            if case.streaming and resp.status < 400:
                resp.close()  # an open stream (SSE, websocket): its status line is the answer
                return None
            body = await resp.read()
    if resp.status == 503 and case.path.startswith(NOT_CONFIGURED):
        return None
    if resp.status >= 500:
        return f"{resp.status}: {body[:200]!r}"
    if TRACEBACK.search(body.decode("utf-8", "replace")):
        return f"traceback in {resp.status}: {body[:200]!r}"
    return None


async def sweep(client: TestClient, auth: dict[str, str], *, oversized: bool = False
                ) -> list[str]:
    failures = []
    for case in cases(client.server.app, oversized=oversized):
        problem = await answer(client, case, auth)
        if problem is not None:
            failures.append(f"{case} -> {problem}")
    return failures


async def bearer(client: TestClient, username: str) -> dict[str, str]:
    resp = await client.post("/api/auth/login",
                             json={"username": username, "password": STRONG_PASSWORD})
    assert resp.status == 200, await resp.text()
    return {"Authorization": f"Bearer {(await resp.json())['access_token']}"}


@pytest.fixture
async def server(make_client: Any) -> TestClient:
    client = await make_client(admin_username="root", admin_password=STRONG_PASSWORD)
    resp = await client.post("/api/auth/register", json={
        "username": "sweeper", "password": STRONG_PASSWORD, "email": "sweeper@example.com"})
    assert resp.status in (200, 201), await resp.text()
    return client


async def test_no_route_answers_malformed_input_with_a_server_error(server: TestClient):
    user, admin = await bearer(server, "sweeper"), await bearer(server, "root")
    failures = await sweep(server, {}, oversized=True)
    failures += [f"[user] {f}" for f in await sweep(server, user)]
    failures += [f"[admin] {f}" for f in await sweep(server, admin)]
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:60])


# ---- the websocket ------------------------------------------------------------------------------


async def test_websocket_answers_malformed_commands_with_client_errors(server: TestClient):
    _, token = await chorus_account(server, "socketeer")
    raw = await RawCentrifuge.open(server, token, cookies=False)
    try:
        answers = {
            "posts channel": await raw.call("subscribe", {"channel": f"posts:{HUGE}"}),
            "nowplaying channel": await raw.call("subscribe", {"channel": f"nowplaying:{HUGE}"}),
            "posts.like": await raw.call("rpc", {"method": "posts.like",
                                                 "data": {"post_id": int(HUGE)}}),
            "follow.set": await raw.call("rpc", {"method": "follow.set",
                                                 "data": {"user_id": int(HUGE)}}),
            "posts.create": await raw.call("rpc", {"method": "posts.create",
                                                   "data": {"link": 12345}}),
            "feed.page": await raw.call("rpc", {"method": "feed.page",
                                                "data": {"after": int(HUGE), "limit": -1}}),
        }
        for what, reply in answers.items():
            assert "error" in reply, (what, reply)
            error = reply["error"]
            assert error["code"] != codes.INTERNAL and not error.get("temporary"), (what, error)
        for what in ("posts channel", "nowplaying channel"):
            assert answers[what]["error"]["code"] in (codes.UNKNOWN_CHANNEL,
                                                      codes.PERMISSION_DENIED), answers[what]
        for what in ("posts.like", "follow.set", "posts.create", "feed.page"):
            assert 400 <= answers[what]["error"]["code"] < 500, answers[what]
        # the connection survived all of it
        assert "rpc" in await raw.call("rpc", {"method": "feed.page", "data": {}})
        await raw.ws.send_str('{"id": 99, "rpc": {"method": "feed.page", "data": '
                              + DEEP_ARRAY + "}}")
        msg = await asyncio.wait_for(raw.ws.receive(), TIMEOUT)
        assert msg.type == WSMsgType.CLOSE, msg
        assert msg.data == codes.BAD_REQUEST, (msg.data, msg.extra)
    finally:
        await raw.close()
