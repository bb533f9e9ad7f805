"""Shared by the social tests and the dialects' post tests: people registered over HTTP with a
token session, posts made through Spot On, and Chorus describing links through the fake oEmbed
server."""

from __future__ import annotations

from typing import Any, NamedTuple

from handlers.identity.auth import start_token_session
from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.oembed import FakeOEmbed, OEmbedItem, make_oembed_app

__all__ = ["VIDEO", "NAME", "Member", "register_member", "spoton_post", "start_with_fake_oembed"]

VIDEO = "https://www.youtube.com/watch?v=XdJVWSqb4Ck"
NAME = "Lullaby - Jack Johnson and Matt Costa"


async def start_with_fake_oembed(make_client: Any, aiohttp_server: Any) -> Any:
    """Chorus describing links through the fake oEmbed server (which knows VIDEO)."""
    state = FakeOEmbed(items={VIDEO: OEmbedItem(
        title=NAME, author_name="Jack Johnson", thumbnail_url="https://img.example/yt.jpg")})
    oembed = await aiohttp_server(make_oembed_app(state))
    return await make_client(oembed_url=str(oembed.make_url("/oembed")),
                             allow_private_urls=True)


class Member(NamedTuple):
    id: int
    name: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register_member(client: Any, username: str) -> Member:
    """Register `username` over HTTP (named after it, capitalised) and open a token session."""
    resp = await client.post("/api/register", json={
        "username": username, "email": f"{username}@example.com", "password": STRONG_PASSWORD,
        "name": username.capitalize()})
    assert resp.status == 201, await resp.text()
    ctx = ctx_of(client)
    user = await ctx.store.users.by_username(username)
    return Member(user.id, user.name, (await start_token_session(ctx, user)).access_token)


async def spoton_post(client: Any, who: Member, link: str = VIDEO, **body: Any) -> int:
    """Post `link` as `who` through Spot On's create-post; the new post's id."""
    resp = await client.post("/api/create-post", json={"link": link, **body}, headers=who.auth)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["post_id"]
