"""The sign-in backoff over HTTP, in every dialect with a password sign-in: after a few wrong
passwords an address must wait (429 with Retry-After, in the dialect's shape), the owner's
correct password from another address still works, and a success starts the count over.

The app's clock is frozen (ctx.clock), so no test depends on how long anything takes."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp

from tests.conftest import STRONG_PASSWORD, ctx_of

WRONG = "Wr0ng-password!"
AFTER = 5  # CHORUS_SIGNIN_BACKOFF_AFTER's default
BACKOFF_MESSAGE = "Too many failed sign-ins. Please wait before trying again."

Poster = Callable[..., Awaitable[aiohttp.ClientResponse]]


class Clock:
    """A frozen ctx.clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def _setup(client) -> Clock:
    resp = await client.post("/api/register", json={
        "username": "ada", "email": "ada@example.com", "password": STRONG_PASSWORD})
    assert resp.status == 201
    clock = Clock()
    ctx_of(client).clock = clock
    return clock


@contextlib.asynccontextmanager
async def from_address(client, address: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A client whose connections come from another loopback address."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(base_url=str(client.make_url("/")),
                                     connector=connector) as session:
        yield session


# how each dialect signs in: (session or TestClient, login, password) -> response

async def spoton(http: Any, login: str, password: str) -> Any:
    return await http.post("/api/login", json={"username": login, "password": password})


async def spotizerr(http: Any, login: str, password: str) -> Any:
    return await http.post("/api/auth/login", json={"username": login, "password": password})


async def sono(http: Any, login: str, password: str) -> Any:
    return await http.post("/api/v1/users/token", data={"username": login, "password": password})


async def openwhyd(http: Any, login: str, password: str) -> Any:
    return await http.post("/login", data={"action": "login", "ajax": "1", "email": login,
                                           "password": password})


async def _fail(sign_in: Poster, http: Any, login: str = "ada", times: int = AFTER) -> None:
    for _ in range(times):
        resp = await sign_in(http, login, WRONG)
        assert resp.status in (200, 401), resp.status
        body = await resp.json()
        assert "access_token" not in body and "redirect" not in body


async def _refused(sign_in: Poster, http: Any, login: str = "ada") -> tuple[str, Any]:
    """The Retry-After and body of a try refused by the backoff (with the right password)."""
    resp = await sign_in(http, login, STRONG_PASSWORD)
    assert resp.status == 429
    return resp.headers["Retry-After"], await resp.json()


async def _signs_in(sign_in: Poster, http: Any) -> bool:
    resp = await sign_in(http, "ada", STRONG_PASSWORD)
    body = await resp.json()
    return resp.status == 200 and ("access_token" in body or "redirect" in body
                                   or body.get("message") == "Login successful")


SHAPES = {
    spoton: {"error": BACKOFF_MESSAGE},
    spotizerr: None,  # {"error", "details", "detail"}: checked by keys
    sono: {"detail": BACKOFF_MESSAGE},
    openwhyd: {"error": BACKOFF_MESSAGE},
}


async def _check_dialect(make_client, sign_in: Poster) -> None:
    client = await make_client()
    clock = await _setup(client)
    await _fail(sign_in, client)
    retry_after, body = await _refused(sign_in, client)
    assert retry_after == "1"
    if SHAPES[sign_in] is None:
        assert set(body) == {"error", "details", "detail"} and body["error"] == BACKOFF_MESSAGE
    else:
        assert body == SHAPES[sign_in]
    async with from_address(client, "127.0.0.2") as elsewhere:  # the owner is not locked out
        assert await _signs_in(sign_in, elsewhere)
    clock.now += 1  # the wait is over: one more try, and the next wait doubles
    await _fail(sign_in, client, times=1)
    assert (await _refused(sign_in, client))[0] == "2"


async def test_spoton_sign_in_backoff(make_client):
    await _check_dialect(make_client, spoton)


async def test_spotizerr_sign_in_backoff(make_client):
    await _check_dialect(make_client, spotizerr)


async def test_sono_sign_in_backoff(make_client):
    await _check_dialect(make_client, sono)


async def test_openwhyd_sign_in_backoff(make_client):
    await _check_dialect(make_client, openwhyd)


async def test_a_success_starts_the_count_over(client):
    await _setup(client)
    await _fail(spoton, client, times=AFTER - 1)
    assert await _signs_in(spoton, client)
    await _fail(spoton, client, times=AFTER - 1)
    assert await _signs_in(spoton, client)  # 8 failures in all, never refused


async def test_an_unknown_account_is_slowed_like_a_known_one(client):
    await _setup(client)
    await _fail(spoton, client, login="ghost")
    retry_after, body = await _refused(spoton, client, login="ghost")
    assert retry_after == "1" and body == {"error": BACKOFF_MESSAGE}


async def test_many_addresses_slow_new_ones_but_never_the_owners_known_address(make_client):
    client = await make_client(signin_backoff_after=2, signin_account_backoff_after=4)
    await _setup(client)
    async with from_address(client, "127.0.0.9") as owner:
        assert await _signs_in(spoton, owner)  # the owner's usual address
        for n in (2, 3):  # an attacker spreads 4 failures over two addresses
            async with from_address(client, f"127.0.0.{n}") as attacker:
                await _fail(spoton, attacker, times=2)
        async with from_address(client, "127.0.0.4") as newcomer:
            retry_after, _ = await _refused(spoton, newcomer)
            assert retry_after == "1"
        assert await _signs_in(spoton, owner)
