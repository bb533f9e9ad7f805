"""The client's address and scheme behind reverse proxies (CHORUS_TRUSTED_PROXIES): what is
believed, from whom, and that the access log, rate limits and cookies all use it."""

from __future__ import annotations

import json
import logging

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from hub.middleware.forwarded import (
    ClientOrigin,
    Hop,
    forwarded_hops,
    parse_networks,
    resolve_client,
)
from tests.conftest import STRONG_PASSWORD
from tests.waiting import TIMEOUT

PROXIES = parse_networks(["10.0.0.0/8", "127.0.0.1", "fd00::/8"])


def headers(*pairs: tuple[str, str]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(pairs))


def test_an_untrusted_peer_is_the_client_whatever_it_claims():
    hops = [Hop("198.51.100.7", "https")]
    assert resolve_client("203.0.113.9", "http", hops, PROXIES) == ClientOrigin("203.0.113.9",
                                                                                  "http")


def test_the_walk_stops_at_the_first_address_no_proxy_of_ours_has():
    # the client forged the leftmost entry; nginx appended the real one; an inner proxy its own
    hops = forwarded_hops(headers(("X-Forwarded-For", "1.2.3.4, 198.51.100.7"),
                                  ("X-Forwarded-For", "10.1.2.3"),
                                  ("X-Forwarded-Proto", "https")), [])
    assert resolve_client("10.0.0.2", "http", hops, PROXIES) == ClientOrigin("198.51.100.7",
                                                                              "https")


def test_proto_lines_up_with_the_addresses_when_both_list_as_many():
    hops = forwarded_hops(headers(("X-Forwarded-For", "198.51.100.7, 10.1.2.3"),
                                  ("X-Forwarded-Proto", "https, http")), [])
    assert hops == [Hop("198.51.100.7", "https"), Hop("10.1.2.3", "http")]
    assert resolve_client("127.0.0.1", "http", hops, PROXIES).scheme == "https"


def test_forwarded_is_read_when_no_x_forwarded_for_was_sent():
    forwarded = [{"for": "[2001:db8::5]:4711", "proto": "HTTPS"}, {"for": "fd00::1"}]
    hops = forwarded_hops(headers(), forwarded)
    assert hops == [Hop("2001:db8::5", "https"), Hop("fd00::1", "")]
    assert resolve_client("::ffff:127.0.0.1", "http", hops, PROXIES) == ClientOrigin(
        "2001:db8::5", "https")


def test_x_forwarded_for_wins_over_a_forwarded_header_the_proxy_passed_through():
    hops = forwarded_hops(headers(("X-Forwarded-For", "198.51.100.7")), [{"for": "1.2.3.4"}])
    assert [hop.address for hop in hops] == ["198.51.100.7"]


def test_an_unknown_or_obfuscated_entry_is_the_client():
    hops = [Hop("unknown"), Hop("10.9.9.9")]
    assert resolve_client("10.0.0.1", "http", hops, PROXIES).address == "unknown"


def test_a_bad_trusted_proxy_entry_is_refused_by_name():
    with pytest.raises(ValueError, match="'10.0.0.0/33'"):
        parse_networks(["127.0.0.1", "10.0.0.0/33"])


async def test_each_client_behind_the_proxy_has_its_own_budget_and_log_line(make_client, caplog):
    caplog.set_level(logging.INFO, logger="chorus.access")
    client = await make_client(trusted_proxies=("127.0.0.1",), rate_limit=3)
    alice, bob = {"X-Forwarded-For": "198.51.100.1"}, {"X-Forwarded-For": "198.51.100.2"}
    assert [(await client.get("/api/get_user", headers=alice)).status for _ in range(4)] == [
        401, 401, 401, 429]
    assert (await client.get("/api/get_user", headers=bob)).status == 401
    remotes = [r.__dict__["remote"] for r in caplog.records if r.name == "chorus.access"]
    assert remotes == ["198.51.100.1"] * 4 + ["198.51.100.2"]


async def test_without_trusted_proxies_forwarded_headers_are_ignored(make_client, caplog):
    caplog.set_level(logging.INFO, logger="chorus.access")
    client = await make_client(rate_limit=2)
    statuses = [(await client.get("/api/get_user",
                                  headers={"X-Forwarded-For": f"198.51.100.{n}"})).status
                for n in range(3)]
    assert statuses == [401, 401, 429]  # one budget: forging the header buys nothing
    remotes = {r.__dict__["remote"] for r in caplog.records if r.name == "chorus.access"}
    assert remotes == {"127.0.0.1"}


async def _spoton_login(client, forwarded: dict[str, str]):
    await client.post("/api/register", json={"username": "ada", "email": "ada@example.com",
                                             "password": STRONG_PASSWORD})
    return await client.post("/api/login", headers=forwarded,
                             json={"username": "ada", "password": STRONG_PASSWORD})


async def test_https_at_the_proxy_marks_the_session_cookie_secure(make_client):
    client = await make_client(trusted_proxies=("127.0.0.0/8",))
    resp = await _spoton_login(client, {"X-Forwarded-For": "198.51.100.1",
                                        "X-Forwarded-Proto": "https"})
    assert resp.status == 200
    assert resp.cookies["chorus_session"]["secure"]
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"


async def test_a_forged_proto_from_an_untrusted_peer_changes_no_cookie(make_client):
    client = await make_client()
    resp = await _spoton_login(client, {"X-Forwarded-Proto": "https"})
    assert resp.status == 200
    assert not resp.cookies["chorus_session"]["secure"]
    assert "Strict-Transport-Security" not in resp.headers


async def test_websockets_and_bodies_pass_through_the_proxy_resolution(make_client):
    client = await make_client(trusted_proxies=("127.0.0.1",))
    forwarded = {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"}
    resp = await _spoton_login(client, forwarded)  # a JSON body read after the clone
    assert resp.status == 200
    ws = await client.ws_connect("/connection/websocket", headers=forwarded)
    await ws.send_str(json.dumps({"id": 1, "connect": {}}))
    reply = json.loads((await ws.receive(timeout=TIMEOUT)).data)
    assert reply["id"] == 1 and "connect" in reply, reply
    await ws.close()
