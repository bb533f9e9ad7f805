"""Chorus against the fake Spotify, and people signed in with a bearer token whose Spotify
account is linked (or not), for the EchoStats tests that go through Spotify."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from handlers.identity.auth import start_token_session
from store.records import OAuthAccount
from tests.conftest import ctx_of
from tests.fakes.spotify import add_user, make_spotify_app, oauth_config, spotify_settings

__all__ = ["Chorus", "Person", "start_chorus", "person", "fields_of"]


@dataclass
class Chorus:
    client: TestClient
    spotify: web.Application  # the fake Spotify's app

    @property
    def ctx(self) -> Any:
        return ctx_of(self.client)


@dataclass
class Person:
    user_id: int
    headers: dict[str, str]  # the bearer token
    spotify_id: str | None
    access: str | None = None  # the Spotify access token first stored


async def start_chorus(make_client: Any, aiohttp_server: Any, **overrides: Any) -> Chorus:
    fake = await aiohttp_server(make_spotify_app())
    client = await make_client(**spotify_settings(fake.make_url("")),
                               oauth=(oauth_config(fake.make_url("")),), **overrides)
    return Chorus(client, fake.app)


async def person(chorus: Chorus, username: str, *, spotify_id: str | None = None,
                 expires_in: float = 3600, role: str = "user") -> Person:
    """A Chorus user with a bearer token; linked to a new Spotify account `spotify_id` (its
    token expiring in `expires_in` seconds) when given."""
    ctx = chorus.ctx
    user = await ctx.store.users.create(username=username, email=f"{username}@example.com",
                                        role=role)
    access = None
    if spotify_id is not None:
        access, refresh = add_user(chorus.spotify, spotify_id, spotify_id.title())
        await ctx.store.oauth.link(OAuthAccount(
            id=0, user_id=user.id, provider="spotify", subject=spotify_id,
            access_token_enc=ctx.vault.encrypt(access),
            refresh_token_enc=ctx.vault.encrypt(refresh), expires_at=ctx.clock() + expires_in))
    tokens = await start_token_session(ctx, user)
    return Person(user.id, {"Authorization": f"Bearer {tokens.access_token}"}, spotify_id,
                  access)


def fields_of(body: dict[str, Any]) -> list[tuple[tuple[str, ...], str, str]]:
    """A 422's FastAPI field list as (loc, msg, type) triples."""
    return [(tuple(f["loc"]), f["msg"], f["type"]) for f in body["detail"]]
