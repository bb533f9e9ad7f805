"""An app's user: who a Centrifugo-compatible connection token names (its `sub`), never a
Chorus account. Only methods that say so (e.g. the quiz's RPC) accept one."""

from __future__ import annotations

import msgspec

from handlers.identity.auth import Principal

__all__ = ["AppUser", "app_user", "Caller"]


class AppUser(msgspec.Struct, frozen=True):
    """`sub` of the token, and the name to show: the token's `info.name`, else `sub`."""

    sub: str
    name: str


def app_user(sub: str, info: bytes | None) -> AppUser:
    """The AppUser of a token's `sub` and `info` (JSON bytes; anything but an object with a
    non-empty string `name` leaves the name as `sub`)."""
    name = sub
    if info:
        try:
            decoded = msgspec.json.decode(info)
        except msgspec.DecodeError:
            decoded = None
        if isinstance(decoded, dict) and isinstance(decoded.get("name"), str) \
                and decoded["name"].strip():
            name = decoded["name"].strip()[:100]
    return AppUser(sub=sub, name=name)


# Who calls a method open to apps: a signed-in Chorus user, or an app's user
Caller = Principal | AppUser
