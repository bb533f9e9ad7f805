"""Listen tokens in SQLite: one per user, the first made wins, a replacement ends the old one,
and erasing the user drops it."""

from __future__ import annotations

from store.records import ListenToken


def token(user_id: int, name: str) -> ListenToken:
    return ListenToken(user_id=user_id, token_hash=f"hash-{name}", token_encrypted=f"enc-{name}",
                       created_at=1.0)


async def test_add_keeps_the_first_and_replace_ends_it(store):
    user = await store.users.create(username="ada", email="ada@example.com")
    first = await store.listen_tokens.add(token(user.id, "a"))
    assert (await store.listen_tokens.add(token(user.id, "b"))).token_hash == first.token_hash
    await store.listen_tokens.replace(token(user.id, "c"))
    assert await store.listen_tokens.by_hash("hash-a") is None
    assert (await store.listen_tokens.by_hash("hash-c")).user_id == user.id
    assert (await store.listen_tokens.get(user.id)).token_encrypted == "enc-c"


async def test_erasing_the_user_drops_the_token(store):
    user = await store.users.create(username="ada", email="ada@example.com")
    await store.listen_tokens.add(token(user.id, "a"))
    await store.users.erase(user.id, {"username": None, "email": None})
    assert await store.listen_tokens.get(user.id) is None
    assert await store.listen_tokens.by_hash("hash-a") is None
