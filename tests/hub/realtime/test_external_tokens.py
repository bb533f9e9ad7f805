"""Tokens minted elsewhere (Centrifugo connection and subscription JWTs) seen by a raw client:
exact replies, pushes and close codes, and the wall between an app's users and Chorus's own.

The app is configured as an operator would, through Centrifugo's environment variables
(passed to the configuration loader, not set in os.environ).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from hub.realtime import codes
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.hub.realtime.helpers import (
    API_KEY,
    app_client,
    chorus_account,
    closed_with,
    connection_token,
    mint,
    node_of,
    start,
    subscription_token,
)
from tests.waiting import until

# ---- connection tokens ------------------------------------------------------------------------


async def test_an_app_token_with_a_chorus_account_id_is_an_external_user(make_client):
    client = await start(make_client)
    uid, _ = await chorus_account(client, "ada")
    raw = await app_client(client, str(uid))
    connected = raw.connect_reply["connect"]
    assert "subs" not in connected  # neither user:#<uid> nor announcements
    server_client = node_of(client).clients[connected["client"]]
    assert server_client.identity.external and server_client.user == str(uid)
    refused = await raw.call("subscribe", {"channel": f"user:#{uid}"})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED
    await raw.close()


async def test_an_external_user_may_not_read_a_private_nowplaying_channel(make_client):
    client = await start(make_client)
    uid, _ = await chorus_account(client, "ada")
    raw = await app_client(client, str(uid))
    refused = await raw.call("subscribe", {"channel": f"nowplaying:{uid}"})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED
    assert "error" not in await raw.call("subscribe", {"channel": "hot"})  # public: as anyone
    await raw.close()


async def test_closing_a_chorus_accounts_connections_leaves_the_app_user_with_its_id(
        make_client):
    client = await start(make_client)
    uid, token = await chorus_account(client, "ada")
    external = await app_client(client, str(uid))
    own = await RawCentrifuge.open(client, token, cookies=False)
    assert await node_of(client).disconnect_user(uid, "password reset") == 1
    assert (await closed_with(own))[0] == codes.FORCE_DISCONNECT
    reply = await external.call("presence_stats", {"channel": "chat:x"})
    assert reply["error"]["code"] == codes.PERMISSION_DENIED  # answered: still connected
    await external.close()


async def test_an_external_user_cannot_call_rpc_methods_that_need_an_account(make_client):
    client = await start(make_client)
    uid, _ = await chorus_account(client, "ada")
    raw = await app_client(client, str(uid))
    reply = await raw.call("rpc", {"method": "nowplaying.clear", "data": {}})
    assert reply["error"]["code"] == 401
    await raw.close()


async def test_an_expired_connection_token_answers_error_109(make_client):
    client = await start(make_client)
    raw = await RawCentrifuge.open(client, connection_token("alice", ttl=-10), cookies=False)
    assert raw.connect_reply["error"] == {"code": codes.TOKEN_EXPIRED, "message": "token expired"}
    await raw.close()


async def test_a_token_signed_with_another_key_closes_with_3500(make_client):
    client = await start(make_client)
    forged = mint({"sub": "alice", "exp": int(time.time()) + 60}, key="x" * 40)
    raw = RawCentrifuge(await client.ws_connect("/connection/websocket"))
    await raw.ws.send_str(json.dumps({"id": 1, "connect": {"token": forged}}))
    assert await closed_with(raw) == (codes.INVALID_TOKEN, "invalid token")


async def test_a_connection_token_with_a_channel_claim_closes_with_3500(make_client):
    client = await start(make_client)
    token = connection_token("alice", channel="chat:lobby")
    raw = RawCentrifuge(await client.ws_connect("/connection/websocket"))
    await raw.ws.send_str(json.dumps({"id": 1, "connect": {"token": token}}))
    assert (await closed_with(raw))[0] == codes.INVALID_TOKEN


async def test_app_tokens_are_refused_when_no_hmac_key_is_configured(make_client):
    client = await make_client(centrifugo_env=(("CENTRIFUGO_HTTP_API_KEY", API_KEY),))
    raw = RawCentrifuge(await client.ws_connect("/connection/websocket"))
    await raw.ws.send_str(json.dumps({"id": 1, "connect": {"token": connection_token("a")}}))
    assert (await closed_with(raw))[0] == codes.INVALID_TOKEN


async def test_the_channels_claim_subscribes_server_side_with_recovery(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice", channels=["chat:lobby", "open:news"])
    subs = raw.connect_reply["connect"]["subs"]
    assert set(subs) == {"chat:lobby", "open:news"}
    assert subs["chat:lobby"]["recoverable"] and subs["chat:lobby"]["positioned"]
    assert "recoverable" not in subs["open:news"]  # no history there
    await node_of(client).publish("chat:lobby", {"text": "hi"})
    push = await raw.next_push("chat:lobby")
    assert push["pub"] == {"data": {"text": "hi"}, "offset": 1}
    await raw.close()


async def test_a_token_naming_a_channel_of_chorus_is_refused_with_102(make_client):
    client = await start(make_client)
    for channels in (["hot"], ["user:#1"], ["nowhere:x"]):
        raw = await RawCentrifuge.open(client, connection_token("alice", channels=channels),
                                       cookies=False)
        assert raw.connect_reply["error"]["code"] == codes.UNKNOWN_CHANNEL, channels
        await raw.close()


async def test_the_subs_claim_gives_channel_info_seen_in_presence(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice", info={"name": "Alice"},
                           subs={"chat:room": {"info": {"role": "host"}, "data": {"w": 1}}})
    subs = raw.connect_reply["connect"]["subs"]
    assert subs["chat:room"]["data"] == {"w": 1}
    presence = await raw.call("presence", {"channel": "chat:room"})
    (entry,) = presence["presence"]["presence"].values()
    assert entry["user"] == "alice"
    assert entry["conn_info"] == {"name": "Alice"} and entry["chan_info"] == {"role": "host"}
    await raw.close()


async def test_the_personal_channel_is_subscribed_on_connect(make_client):
    client = await start(make_client, **{
        "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_ENABLED": "true",
        "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_PERSONAL_CHANNEL_NAMESPACE":
            "dm"})
    raw = await app_client(client, "alice")
    assert set(raw.connect_reply["connect"]["subs"]) == {"dm:#alice"}
    await node_of(client).publish("dm:#alice", {"for": "alice"})
    assert (await raw.next_push("dm:#alice"))["pub"]["data"] == {"for": "alice"}
    await raw.close()


async def test_single_connection_closes_the_earlier_connection_of_the_app_user(make_client):
    client = await start(make_client, **{
        "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_ENABLED": "true",
        "CENTRIFUGO_CLIENT_SUBSCRIBE_TO_USER_PERSONAL_CHANNEL_SINGLE_CONNECTION": "true",
        "CENTRIFUGO_CHANNEL_WITHOUT_NAMESPACE_PRESENCE": "true"})
    first = await app_client(client, "alice")
    assert set(first.connect_reply["connect"]["subs"]) == {"#alice"}
    second = await app_client(client, "alice")
    assert (await closed_with(first))[0] == codes.CONNECTION_LIMIT
    second_id = second.connect_reply["connect"]["client"]
    await until(lambda: list(node_of(client).clients) == [second_id])
    await second.close()


async def test_refreshing_an_app_connection_with_a_chorus_token_closes_it(make_client):
    client = await start(make_client)
    uid, token = await chorus_account(client, "ada")
    raw = await app_client(client, str(uid))
    await raw.ws.send_str(json.dumps({"id": 9, "refresh": {"token": token}}))
    assert (await closed_with(raw))[0] == codes.INVALID_TOKEN


async def test_an_app_connection_refreshes_with_a_new_app_token(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice", ttl=30)
    assert raw.connect_reply["connect"]["expires"] is True
    reply = await raw.call("refresh", {"token": connection_token("alice", ttl=7200)})
    assert reply["refresh"]["expires"] is True and reply["refresh"]["ttl"] > 3600
    await raw.close()


# ---- client-side subscriptions in configured namespaces ---------------------------------------


async def test_a_subscription_token_opens_a_namespace_closed_to_clients(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice", info={"name": "Alice"})
    refused = await raw.call("subscribe", {"channel": "secret:plans"})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED
    token = subscription_token("alice", "secret:plans", info={"seat": 3}, data={"motd": "hi"})
    reply = await raw.call("subscribe", {"channel": "secret:plans", "token": token})
    result = reply["subscribe"]
    assert result["data"] == {"motd": "hi"}
    assert result["expires"] is True and 3000 < result["ttl"] <= 3600
    presence = await raw.call("presence", {"channel": "secret:plans"})
    (entry,) = presence["presence"]["presence"].values()
    assert entry["chan_info"] == {"seat": 3} and entry["conn_info"] == {"name": "Alice"}
    await raw.close()


async def test_an_expired_subscription_token_answers_109(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    token = subscription_token("alice", "secret:plans", ttl=-5)
    reply = await raw.call("subscribe", {"channel": "secret:plans", "token": token})
    assert reply["error"] == {"code": codes.TOKEN_EXPIRED, "message": "token expired"}
    await raw.close()


async def test_a_subscription_token_with_a_bad_signature_answers_103(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    forged = mint({"sub": "alice", "channel": "secret:plans"}, key="y" * 40)
    reply = await raw.call("subscribe", {"channel": "secret:plans", "token": forged})
    assert reply["error"]["code"] == codes.PERMISSION_DENIED
    await raw.close()


@pytest.mark.parametrize("claims", [
    {"sub": "mallory", "channel": "secret:plans"},
    {"sub": "alice", "channel": "secret:other"},
    {"sub": "alice", "channel": "secret:plans", "client": "another-client"},
])
async def test_a_subscription_token_for_someone_or_something_else_closes_with_3500(
        make_client, claims):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    await raw.ws.send_str(json.dumps(
        {"id": 5, "subscribe": {"channel": "secret:plans", "token": mint(claims)}}))
    assert (await closed_with(raw))[0] == codes.INVALID_TOKEN


async def test_a_chorus_account_cannot_use_an_app_subscription_token(make_client):
    client = await start(make_client)
    uid, token = await chorus_account(client, "ada")
    raw = await RawCentrifuge.open(client, token, cookies=False)
    sub = subscription_token(str(uid), "secret:plans")
    await raw.ws.send_str(json.dumps(
        {"id": 5, "subscribe": {"channel": "secret:plans", "token": sub}}))
    assert (await closed_with(raw))[0] == codes.INVALID_TOKEN


async def test_an_unrefreshed_subscription_is_unsubscribed_with_2501(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    token = subscription_token("alice", "secret:plans", ttl=1)
    reply = await raw.call("subscribe", {"channel": "secret:plans", "token": token})
    assert reply["subscribe"]["ttl"] == 1
    push = await raw.next_push("secret:plans")
    assert push["unsubscribe"] == {"code": codes.UNSUBSCRIBE_EXPIRED,
                                   "reason": "subscription expired"}
    server_client = node_of(client).clients[raw.connect_reply["connect"]["client"]]
    assert "secret:plans" not in server_client.channels
    await raw.close()


async def test_sub_refresh_with_a_fresh_token_extends_the_subscription(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    first = subscription_token("alice", "secret:plans", ttl=60)
    assert "subscribe" in await raw.call("subscribe", {"channel": "secret:plans", "token": first})
    later = subscription_token("alice", "secret:plans", ttl=7200)
    reply = await raw.call("sub_refresh", {"channel": "secret:plans", "token": later})
    assert reply["sub_refresh"]["expires"] is True and reply["sub_refresh"]["ttl"] > 3600
    server_client = node_of(client).clients[raw.connect_reply["connect"]["client"]]
    expiry = server_client.channels["secret:plans"].expiry
    assert expiry is not None and expiry.when() - asyncio.get_running_loop().time() > 3600
    await raw.close()


async def test_sub_refresh_with_an_expired_token_answers_109_and_a_forged_one_closes(
        make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    token = subscription_token("alice", "secret:plans")
    assert "subscribe" in await raw.call("subscribe", {"channel": "secret:plans", "token": token})
    expired = subscription_token("alice", "secret:plans", ttl=-1)
    reply = await raw.call("sub_refresh", {"channel": "secret:plans", "token": expired})
    assert reply["error"]["code"] == codes.TOKEN_EXPIRED
    forged = mint({"sub": "alice", "channel": "secret:plans"}, key="z" * 40)
    await raw.ws.send_str(json.dumps(
        {"id": 50, "sub_refresh": {"channel": "secret:plans", "token": forged}}))
    assert (await closed_with(raw))[0] == codes.INVALID_TOKEN


async def test_a_private_prefix_channel_needs_a_token_even_where_clients_may_subscribe(
        make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    refused = await raw.call("subscribe", {"channel": "$chat:vip"})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED
    token = subscription_token("alice", "$chat:vip")
    assert "subscribe" in await raw.call("subscribe", {"channel": "$chat:vip", "token": token})
    await raw.close()


async def test_a_user_limited_channel_admits_only_the_app_users_it_names(make_client):
    client = await start(make_client)
    alice = await app_client(client, "alice")
    carol = await app_client(client, "carol")
    assert "subscribe" in await alice.call("subscribe", {"channel": "dm:#alice,bob"})
    refused = await carol.call("subscribe", {"channel": "dm:#alice,bob"})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED
    uid, token = await chorus_account(client, "ada")
    own = await RawCentrifuge.open(client, token, cookies=False)
    refused = await own.call("subscribe", {"channel": f"dm:#{uid}"})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED  # a Chorus id is not an app id
    for raw in (alice, carol, own):
        await raw.close()


async def test_anonymous_clients_subscribe_only_where_the_namespace_allows_anonymous(
        make_client):
    client = await start(make_client)
    raw = await RawCentrifuge.open(client, cookies=False)
    assert "subscribe" in await raw.call("subscribe", {"channel": "open:news"})
    refused = await raw.call("subscribe", {"channel": "chat:lobby"})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED
    await raw.close()


async def test_channels_without_namespace_follow_without_namespace_but_hot_stays_chorus(
        make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    assert "subscribe" in await raw.call("subscribe", {"channel": "lobby"})
    hot = await raw.call("subscribe", {"channel": "hot"})
    assert hot["subscribe"]["recoverable"]  # Chorus's hot: history and recovery as always
    refused = await raw.call("subscribe", {"channel": "elsewhere:x"})
    assert refused["error"]["code"] == codes.UNKNOWN_CHANNEL
    await raw.close()


async def test_publishing_needs_a_subscription_where_only_subscribers_may_publish(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    refused = await raw.call("publish", {"channel": "chat:lobby", "data": {"t": 1}})
    assert refused["error"]["code"] == codes.PERMISSION_DENIED
    assert "subscribe" in await raw.call("subscribe", {"channel": "chat:lobby"})
    assert await raw.call("publish", {"channel": "chat:lobby", "data": {"t": 2}}) == {
        "id": raw.next_id, "publish": {}}
    push = await raw.next_push("chat:lobby")
    assert push["pub"]["data"] == {"t": 2} and push["pub"]["info"]["user"] == "alice"
    await raw.close()


async def test_a_fossil_delta_request_is_answered_without_delta(make_client):
    client = await start(make_client)
    raw = await app_client(client, "alice")
    reply = await raw.call("subscribe", {"channel": "room:1", "delta": "fossil"})
    assert "delta" not in reply["subscribe"] and reply["subscribe"]["positioned"]
    await node_of(client).publish("room:1", {"score": [1, 0]})
    push = await raw.next_push("room:1")
    assert push["pub"] == {"data": {"score": [1, 0]}, "offset": 1}  # full JSON, no delta
    await raw.close()


# ---- subprotocols -----------------------------------------------------------------------------


async def test_a_json_client_still_gets_no_subprotocol(client):
    ws = await client.ws_connect("/connection/websocket")
    assert ws.protocol is None
    await ws.close()
