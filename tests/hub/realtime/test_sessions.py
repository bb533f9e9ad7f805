"""A user's session is every live connection they have; identity events close them all."""

from __future__ import annotations

import re

import pytest

from handlers.identity.auth import Principal, change_password, start_token_session
from hub.keys import node_key
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.centrifuge_client import RawCentrifuge
from tests.reset_mail import reset_token


async def _user_and_token(client, name: str):
    await client.post("/api/register", json={
        "username": name, "email": f"{name}@example.com", "password": STRONG_PASSWORD})
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(name)
    pair = await start_token_session(ctx, user)
    return user, pair


async def _closed_with(conn: RawCentrifuge) -> int:
    with pytest.raises(ConnectionError) as exc:
        while True:
            await conn.next_push()
    await conn.close()
    return int(re.search(r"CLOSE (\d+)", str(exc.value)).group(1))


async def test_publish_to_user_reaches_every_device(client):
    user, pair = await _user_and_token(client, "ada")
    phone = await RawCentrifuge.open(client, pair.access_token, cookies=False)
    laptop = await RawCentrifuge.open(client, pair.access_token, cookies=False)
    await client.server.app[node_key].publish_to_user(user.id, {"hello": "devices"})
    for device in (phone, laptop):
        push = await device.next_push(f"user:#{user.id}")
        assert push["pub"]["data"] == {"hello": "devices"}
    await phone.close()
    await laptop.close()


async def test_password_change_closes_every_other_connection(client):
    user, pair = await _user_and_token(client, "bob")
    conns = [await RawCentrifuge.open(client, pair.access_token, cookies=False)
             for _ in range(2)]
    other = await _user_and_token(client, "carl")
    bystander = await RawCentrifuge.open(client, other[1].access_token, cookies=False)
    ctx = ctx_of(client)
    await change_password(ctx, Principal(user=user, session_id="another-session"),
                          STRONG_PASSWORD, "N3w-password!")
    for conn in conns:
        assert await _closed_with(conn) == 3503  # force disconnect: no reconnect
    await client.server.app[node_key].publish_to_user(other[0].id, {"still": "here"})
    assert (await bystander.next_push())["pub"]["data"] == {"still": "here"}
    await bystander.close()


async def test_password_reset_closes_connections_and_revoked_token_cannot_reconnect(client):
    user, pair = await _user_and_token(client, "dan")
    conn = await RawCentrifuge.open(client, pair.access_token, cookies=False)
    await client.post("/api/forget-password", json={"email": "dan@example.com"})
    token = await reset_token(client, "dan@example.com")
    resp = await client.post("/api/reset-password", json={
        "token": token, "new_password": "N3w-password!", "confirm_password": "N3w-password!"})
    assert resp.status == 200
    assert await _closed_with(conn) == 3503
    with pytest.raises(ConnectionError, match="3500"):
        await RawCentrifuge.open(client, pair.access_token, cookies=False)


async def test_shutdown_tells_clients_to_reconnect(client):
    _, pair = await _user_and_token(client, "eve")
    conn = await RawCentrifuge.open(client, pair.access_token, cookies=False)
    await client.server.app[node_key].shutdown(timeout=1)
    assert await _closed_with(conn) == 3001


async def test_logout_closes_only_the_connections_of_that_sign_in(client):
    from handlers.identity.auth import end_session

    user, pair = await _user_and_token(client, "fin")
    other_pair = await start_token_session(ctx_of(client), user)
    leaving = await RawCentrifuge.open(client, pair.access_token, cookies=False)
    staying = await RawCentrifuge.open(client, other_pair.access_token, cookies=False)
    await end_session(ctx_of(client), pair.session_id)
    assert await _closed_with(leaving) == 3503
    await client.server.app[node_key].publish_to_user(user.id, {"still": "signed in"})
    assert (await staying.next_push())["pub"]["data"] == {"still": "signed in"}
    await staying.close()
