"""Centrifugo's server HTTP API at /hub/api/<method>: every method, its exact answers, the key
check, and the PyPI `cent` client against it."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cent import (
    AsyncClient,
    BroadcastRequest,
    CentUnauthorizedError,
    ChannelsRequest,
    DisconnectRequest,
    HistoryRemoveRequest,
    HistoryRequest,
    InfoRequest,
    PresenceRequest,
    PresenceStatsRequest,
    PublishRequest,
    SubscribeRequest,
    UnsubscribeRequest,
)

from hub.realtime import codes
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.hub.realtime.helpers import (
    API_KEY,
    app_client,
    chorus_account,
    closed_with,
    env_of,
    node_of,
    start,
)

HEADERS = {"X-API-Key": API_KEY}
BAD_REQUEST = {"error": {"code": 107, "message": "bad request"}}
UNKNOWN_CHANNEL = {"error": {"code": 102, "message": "unknown channel"}}
NOT_AVAILABLE = {"error": {"code": 108, "message": "not available"}}


async def api(client: TestClient, method: str, body: Any, headers: dict[str, str] = HEADERS
              ) -> Any:
    """POST a JSON body; the decoded answer (must be 200)."""
    resp = await client.post(f"/hub/api/{method}", data=json.dumps(body), headers=headers)
    assert resp.status == 200, (resp.status, await resp.text())
    assert resp.content_type == "application/json"
    return json.loads(await resp.read())


def cent_of(client: TestClient, key: str = API_KEY) -> AsyncClient:
    return AsyncClient(str(client.make_url("/hub/api")), key)


# ---- the key ----------------------------------------------------------------------------------


async def test_without_a_key_the_api_answers_401(make_client):
    client = await start(make_client)
    for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "apikey wrong"},
                    {"Authorization": f"bearer {API_KEY}"}):
        resp = await client.post("/hub/api/info", data="{}", headers=headers)
        assert resp.status == 401, headers
        assert await resp.read() == b""


async def test_the_key_is_accepted_in_either_header_or_the_query(make_client):
    client = await start(make_client)
    for headers, query in (({"X-API-Key": API_KEY}, ""),
                           ({"Authorization": f"apikey {API_KEY}"}, ""),
                           ({}, f"?api_key={API_KEY}")):
        resp = await client.post(f"/hub/api/info{query}", data="{}", headers=headers)
        assert resp.status == 200, headers


async def test_cent_with_a_wrong_key_gets_unauthorized(make_client):
    client = await start(make_client)
    async with cent_of(client, "wrong") as cent:
        with pytest.raises(CentUnauthorizedError):
            await cent.info(InfoRequest())


async def test_without_a_configured_key_the_api_is_not_there(make_client):
    for env in ((), (("CENTRIFUGO_CHANNEL_NAMESPACES", "chat"),),
                (("CENTRIFUGO_HTTP_API_KEY", API_KEY), ("CENTRIFUGO_HTTP_API_DISABLED", "1"))):
        client = await make_client(centrifugo_env=env)
        resp = await client.post("/hub/api/info", data="{}", headers=HEADERS)
        assert resp.status == 404, env


async def test_repeated_wrong_keys_from_one_address_are_slowed_down(make_client):
    client = await make_client(rate_limit=3, centrifugo_env=env_of())
    statuses = [(await client.post("/hub/api/info", data="{}",
                                   headers={"X-API-Key": "guess"})).status for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    resp = await client.post("/hub/api/info", data="{}", headers=HEADERS)
    assert resp.status == 200  # the right key is never slowed down


async def test_an_unknown_method_is_404_and_a_malformed_body_400(make_client):
    client = await start(make_client)
    resp = await client.post("/hub/api/nope", data="{}", headers=HEADERS)
    assert resp.status == 404
    deep_array, deep_object = "[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000
    deep = (deep_array, *(f'{{"channel": "chat:x", "data": {d}}}' for d in (deep_array, deep_object)))
    for body in ("", "{", '{"channel": 5}', "[]", *deep):  # deep: beyond what msgspec decodes
        resp = await client.post("/hub/api/publish", data=body, headers=HEADERS)
        assert (resp.status, await resp.text()) == (400, "Bad Request"), body


# ---- publish and broadcast --------------------------------------------------------------------


async def test_publish_answers_the_stream_position_and_reaches_subscribers(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    await raw.call("subscribe", {"channel": "chat:lobby"})
    answer = await api(client, "publish", {"channel": "chat:lobby", "data": {"text": "hi"},
                                           "tags": {"kind": "greeting"}})
    assert answer["result"]["offset"] == 1 and answer["result"]["epoch"]
    push = await raw.next_push("chat:lobby")
    assert push["pub"] == {"data": {"text": "hi"}, "offset": 1, "tags": {"kind": "greeting"}}
    assert await api(client, "publish", {"channel": "open:x", "data": 1}) == {"result": {}}
    await raw.close()


@pytest.mark.parametrize(("body", "answer"), [
    ({"channel": "chat:lobby"}, BAD_REQUEST),  # no data
    ({"data": {}}, BAD_REQUEST),  # no channel
    ({"channel": "chat:lobby", "b64data": "not base64!"}, BAD_REQUEST),
    ({"channel": "chat:lobby", "b64data": base64.b64encode(b"\x00\x01").decode()}, BAD_REQUEST),
    ({"channel": "nowhere:x", "data": {}}, UNKNOWN_CHANNEL),
    ({"channel": "hot", "data": {}}, UNKNOWN_CHANNEL),  # Chorus's own: out of reach
    ({"channel": "user:#1", "data": {}}, UNKNOWN_CHANNEL),
    ({"channel": "announcements", "data": {}}, UNKNOWN_CHANNEL),
])
async def test_publish_errors(make_client, body, answer):
    client = await start(make_client)
    assert await api(client, "publish", body) == answer


async def test_publish_accepts_base64_json_and_reframes_multiline_json(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    await raw.call("subscribe", {"channel": "chat:lobby"})
    b64 = base64.b64encode(b'{"from": "b64"}').decode()
    await api(client, "publish", {"channel": "chat:lobby", "b64data": b64})
    resp = await client.post("/hub/api/publish", headers=HEADERS,
                             data='{"channel": "chat:lobby", "data": {\n  "lines": [1,\n 2]\n}}')
    assert resp.status == 200
    assert (await raw.next_push("chat:lobby"))["pub"]["data"] == {"from": "b64"}
    assert (await raw.next_push("chat:lobby"))["pub"]["data"] == {"lines": [1, 2]}
    await raw.close()


async def test_skip_history_and_idempotency_keys(make_client):
    client = await start(make_client)
    first = await api(client, "publish", {"channel": "chat:a", "data": 1,
                                          "idempotency_key": "k1"})
    again = await api(client, "publish", {"channel": "chat:a", "data": 1,
                                          "idempotency_key": "k1"})
    assert again == first  # the same result, published once
    assert await api(client, "publish", {"channel": "chat:a", "data": 2,
                                         "skip_history": True}) == {"result": {}}
    history = await api(client, "history", {"channel": "chat:a", "limit": -1})
    assert [p["data"] for p in history["result"]["publications"]] == [1]


async def test_a_json_object_namespace_refuses_other_json(make_client):
    client = await start(make_client, CENTRIFUGO_CHANNEL_PUBLICATION_DATA_FORMAT="json_object")
    assert await api(client, "publish", {"channel": "open:x", "data": [1]}) == BAD_REQUEST
    assert await api(client, "publish", {"channel": "open:x", "data": {"a": 1}}) == {
        "result": {}}


async def test_broadcast_answers_one_response_per_channel(make_client):
    client = await start(make_client)
    answer = await api(client, "broadcast", {"channels": ["chat:a", "nowhere:b", "open:c"],
                                             "data": {"x": 1}})
    first, second, third = answer["result"]["responses"]
    assert first["result"]["offset"] == 1
    assert second == UNKNOWN_CHANNEL and third == {"result": {}}
    assert await api(client, "broadcast", {"channels": [], "data": 1}) == BAD_REQUEST


# ---- subscribe, unsubscribe, disconnect -------------------------------------------------------


async def test_subscribe_adds_a_server_side_subscription_with_a_push(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    answer = await api(client, "subscribe", {"user": "alice", "channel": "chat:news",
                                             "info": {"role": "reader"}, "data": {"hello": 1}})
    assert answer == {"result": {}}
    push = await raw.next_push("chat:news")
    assert push["subscribe"] == {"recoverable": True, "epoch": push["subscribe"]["epoch"],
                                 "positioned": True, "data": {"hello": 1}}
    await api(client, "publish", {"channel": "chat:news", "data": "after"})
    assert (await raw.next_push("chat:news"))["pub"]["data"] == "after"
    presence = await api(client, "presence", {"channel": "chat:news"})
    (entry,) = presence["result"]["presence"].values()
    assert (entry["user"], entry["chan_info"]) == ("alice", {"role": "reader"})
    await raw.close()


async def test_subscribe_reaches_app_users_only(make_client):
    client = await start(make_client)
    uid, token = await chorus_account(client, "ada")
    own = await RawCentrifuge.open(client, token, cookies=False)
    await api(client, "subscribe", {"user": str(uid), "channel": "chat:news"})
    server_client = node_of(client).clients[own.connect_reply["connect"]["client"]]
    assert "chat:news" not in server_client.channels
    assert await api(client, "subscribe", {"user": "x", "channel": "hot"}) == UNKNOWN_CHANNEL
    await own.close()


async def test_unsubscribe_pushes_code_2000(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    await raw.call("subscribe", {"channel": "chat:lobby"})
    assert await api(client, "unsubscribe", {"user": "alice", "channel": "chat:lobby"}) == {
        "result": {}}
    push = await raw.next_push("chat:lobby")
    assert push["unsubscribe"] == {"code": 2000, "reason": "server unsubscribe"}
    await raw.close()


async def test_disconnect_closes_the_users_connections_but_the_whitelisted(make_client):
    client = await start(make_client)
    first = await app_client(client, "alice")
    kept = await app_client(client, "alice")
    kept_id = kept.connect_reply["connect"]["client"]
    answer = await api(client, "disconnect", {"user": "alice", "whitelist": [kept_id],
                                              "disconnect": {"code": 4000, "reason": "bye"}})
    assert answer == {"result": {}}
    assert await closed_with(first) == (4000, "bye")
    reply = await kept.call("history", {"channel": "open:x"})
    assert reply["error"]["code"] == codes.NOT_AVAILABLE  # answered: still connected
    assert await api(client, "disconnect", {"user": "alice"}) == {"result": {}}
    assert await closed_with(kept) == (codes.FORCE_DISCONNECT, "force disconnect")


# ---- presence and history ---------------------------------------------------------------------


async def test_presence_and_presence_stats(make_client):
    client = await start(make_client)
    alice = await app_client(client, "alice", info={"n": "A"})
    await alice.call("subscribe", {"channel": "chat:room"})
    presence = await api(client, "presence", {"channel": "chat:room"})
    client_id = alice.connect_reply["connect"]["client"]
    assert presence == {"result": {"presence": {client_id: {
        "user": "alice", "client": client_id, "conn_info": {"n": "A"}}}}}
    assert await api(client, "presence_stats", {"channel": "chat:room"}) == {
        "result": {"num_clients": 1, "num_users": 1}}
    assert await api(client, "presence_stats", {"channel": "chat:empty"}) == {
        "result": {"num_clients": 0, "num_users": 0}}
    assert await api(client, "presence", {"channel": "open:x"}) == NOT_AVAILABLE
    assert await api(client, "presence", {"channel": ""}) == BAD_REQUEST
    await alice.close()


async def test_history_and_history_remove(make_client):
    client = await start(make_client)
    for n in range(3):
        await api(client, "publish", {"channel": "chat:log", "data": {"n": n}})
    top = await api(client, "history", {"channel": "chat:log"})  # no limit: position only
    epoch = top["result"]["epoch"]
    assert top == {"result": {"publications": [], "epoch": epoch, "offset": 3}}
    since = await api(client, "history", {"channel": "chat:log", "limit": 10,
                                          "since": {"offset": 1, "epoch": epoch}})
    assert [p["offset"] for p in since["result"]["publications"]] == [2, 3]
    newest = await api(client, "history", {"channel": "chat:log", "limit": 1, "reverse": True})
    assert newest["result"]["publications"] == [{"data": {"n": 2}, "offset": 3}]
    wrong = await api(client, "history", {"channel": "chat:log", "limit": 1,
                                          "since": {"offset": 1, "epoch": "other"}})
    assert wrong == {"error": {"code": 112, "message": "unrecoverable position"}}
    assert await api(client, "history", {"channel": "open:x"}) == NOT_AVAILABLE

    assert await api(client, "history_remove", {"channel": "chat:log"}) == {"result": {}}
    after = await api(client, "history", {"channel": "chat:log", "limit": -1})
    assert after == {"result": {"publications": [], "epoch": epoch, "offset": 3}}
    assert await api(client, "history_remove", {"channel": "open:x"}) == NOT_AVAILABLE


# ---- channels and info ------------------------------------------------------------------------


async def test_channels_lists_the_configured_channels_with_subscribers(make_client):
    client = await start(make_client)
    uid, token = await chorus_account(client, "ada")
    own = await RawCentrifuge.open(client, token, cookies=False)  # user:#<uid>, announcements
    alice = await app_client(client, "alice")
    bob = await app_client(client, "bob")
    for raw in (alice, bob):
        await raw.call("subscribe", {"channel": "chat:lobby"})
    await alice.call("subscribe", {"channel": "open:news"})
    answer = await api(client, "channels", {})
    assert answer == {"result": {"channels": {"chat:lobby": {"num_clients": 2},
                                              "open:news": {"num_clients": 1}}}}
    assert await api(client, "channels", {"pattern": "chat:*"}) == {
        "result": {"channels": {"chat:lobby": {"num_clients": 2}}}}
    for raw in (own, alice, bob):
        await raw.close()


async def test_info_describes_this_node(make_client):
    client = await start(make_client)
    alice = await app_client(client, "alice")
    await alice.call("subscribe", {"channel": "chat:lobby"})
    (node,) = (await api(client, "info", {}))["result"]["nodes"]
    server = node_of(client)
    assert node["uid"] == server.uid and node["name"] == server.name
    assert node["version"].startswith("chorus-")
    assert (node["num_clients"], node["num_users"], node["num_channels"], node["num_subs"]) == (
        1, 1, 1, 1)
    await alice.close()


# ---- the cent client --------------------------------------------------------------------------


async def test_cent_drives_every_method(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    async with cent_of(client) as cent:
        await cent.subscribe(SubscribeRequest(user="alice", channel="chat:feed"))
        assert "subscribe" in await raw.next_push("chat:feed")
        published = await cent.publish(PublishRequest(channel="chat:feed", data={"n": 1}))
        assert published.offset == 1
        broadcast = await cent.broadcast(BroadcastRequest(channels=["chat:feed", "open:x"],
                                                          data={"n": 2}))
        assert [r.error for r in broadcast.responses] == [None, None]
        assert list((await cent.presence(PresenceRequest(channel="chat:feed"))).presence)
        stats = await cent.presence_stats(PresenceStatsRequest(channel="chat:feed"))
        assert (stats.num_clients, stats.num_users) == (1, 1)
        history = await cent.history(HistoryRequest(channel="chat:feed", limit=-1))
        assert [p.data for p in history.publications] == [{"n": 1}, {"n": 2}]
        await cent.history_remove(HistoryRemoveRequest(channel="chat:feed"))
        assert (await cent.history(HistoryRequest(channel="chat:feed", limit=-1))
                ).publications == []
        channels = await cent.channels(ChannelsRequest())
        assert channels.channels["chat:feed"].num_clients == 1
        info = await cent.info(InfoRequest())
        assert info.nodes[0].num_clients == 1
        await cent.unsubscribe(UnsubscribeRequest(user="alice", channel="chat:feed"))
        await cent.disconnect(DisconnectRequest(user="alice"))
    assert (await closed_with(raw))[0] == codes.FORCE_DISCONNECT
