"""Test helpers for the ListenBrainz dialect: a member with a listen token."""

from __future__ import annotations

from typing import Any, NamedTuple

from tests.handlers.api.social_helpers import Member, insert_member

__all__ = ["Scrobbler", "scrobbler", "LISTEN_TOKEN_PATH", "track"]

LISTEN_TOKEN_PATH = "/api/v1/users/me/listen-token"


class Scrobbler(NamedTuple):
    member: Member
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


async def scrobbler(client: Any, username: str, **fields: Any) -> Scrobbler:
    """A member and the listen token they read from /api/v1/users/me/listen-token."""
    member = await insert_member(client, username, **fields)
    resp = await client.get(LISTEN_TOKEN_PATH, headers=member.auth)
    assert resp.status == 200
    return Scrobbler(member, (await resp.json())["token"])


def track(artist: str = "Björk", title: str = "Jóga", **info: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"artist_name": artist, "track_name": title}
    if info:
        metadata["additional_info"] = info
    return metadata
