"""Tokens minted elsewhere: Centrifugo connection and subscription JWTs (HS256/384/512).

Claims as Centrifugo v6 reads them (shared/protocol/centrifuge.md §8): a connection token
has `sub`, `exp`, `expire_at`, `info`, `channels`, `subs`, `meta` and never `channel`; a
subscription token has `sub`, `channel`, `client`, `exp`, `expire_at`, `info`, `data`. An
identity made from a connection token is *external*: an app's user, never a Chorus account,
whatever its `sub` (whoever holds the app's HMAC key must not be able to act as one).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import jwt
import msgspec
from jwt.warnings import InsecureKeyLengthWarning

from hub.realtime import codes
from hub.realtime.protocol import encode_json
from hub.realtime.types import AuthError, Disconnected, Identity, SubOptions

__all__ = ["TokenVerifier", "app_user", "check_grant"]

ALGORITHMS = ["HS256", "HS384", "HS512"]


class _SubClaim(msgspec.Struct, frozen=True):
    """One entry of a connection token's `subs` claim (`override` is not supported)."""

    info: Any = None
    data: Any = None


class _ConnectClaims(msgspec.Struct, frozen=True):
    sub: str = ""
    exp: float | None = None
    expire_at: float | None = None
    info: Any = None
    channels: list[str] = []
    subs: dict[str, _SubClaim] = {}
    meta: Any = None  # server-side metadata: read, never sent to clients
    channel: str = ""  # present only in subscription tokens


class _SubscribeClaims(msgspec.Struct, frozen=True):
    sub: str = ""
    channel: str = ""
    client: str = ""
    exp: float | None = None
    expire_at: float | None = None
    info: Any = None
    data: Any = None


def _json(value: Any) -> bytes | None:
    """Claims re-encoded compactly (no raw newline may reach the JSON protocol)."""
    return None if value is None else encode_json(value)


def _expiry(exp: float | None, expire_at: float | None) -> float | None:
    """`expire_at` wins over `exp`; `expire_at: 0` means never."""
    if expire_at is not None:
        return float(expire_at) if expire_at > 0 else None
    return float(exp) if exp is not None else None


class TokenVerifier:
    """Checks tokens with the HMAC key of `client.token` (and of `client.subscription_token`
    for subscription tokens when that is enabled); `audience`/`issuer` when configured.

    A key shorter than the hash (RFC 7518 §3.2: 32 bytes for HS256) is used as Centrifugo
    uses it (centrifugo_config warned at start); an empty key makes every token invalid.
    """

    def __init__(self, key: str, sub_key: str = "", audience: str = "", issuer: str = "",
                 clock: Any = time.time) -> None:
        self.key = key
        self.sub_key = sub_key or key
        self.audience = audience
        self.issuer = issuer
        self.clock = clock

    def _claims(self, token: str, key: str, kind: type[Any]) -> Any:
        """Signature, audience and issuer checked (AuthError otherwise); expiry is not."""
        if not key:
            raise AuthError()
        try:
            with warnings.catch_warnings():  # a short key was reported once, at start
                warnings.simplefilter("ignore", InsecureKeyLengthWarning)
                payload = jwt.decode(
                    token, key, algorithms=ALGORITHMS, audience=self.audience or None,
                    issuer=self.issuer or None,
                    options={"verify_exp": False, "verify_aud": bool(self.audience),
                             "verify_iat": False, "enforce_minimum_key_length": False})
            return msgspec.convert(payload, kind)
        except (jwt.PyJWTError, msgspec.ValidationError) as exc:
            raise AuthError() from exc

    def _check_expiry(self, exp: float | None) -> None:
        if exp is not None and exp <= self.clock():
            raise AuthError(expired=True)

    def connection_identity(self, token: str) -> Identity:
        """The external Identity of a connection token; AuthError(expired=True) for an
        expired one (error 109), AuthError() for anything invalid (close 3500)."""
        claims = self._claims(token, self.key, _ConnectClaims)
        if claims.channel:
            raise AuthError()  # only subscription tokens may name a channel
        self._check_expiry(claims.exp)
        if claims.subs:
            subs = tuple(SubOptions(channel, info=_json(sub.info), data=_json(sub.data))
                         for channel, sub in claims.subs.items())
        else:
            subs = tuple(SubOptions(channel) for channel in dict.fromkeys(claims.channels))
        return Identity(user=claims.sub, info=_json(claims.info), external=True, subs=subs,
                        expires_at=_expiry(claims.exp, claims.expire_at))

    def subscription(self, token: str) -> SubOptions:
        """What a subscription token grants; AuthError as for connection tokens."""
        claims = self._claims(token, self.sub_key, _SubscribeClaims)
        if not claims.channel:
            raise AuthError()
        self._check_expiry(claims.exp)
        return SubOptions(claims.channel, info=_json(claims.info), data=_json(claims.data),
                          expires_at=_expiry(claims.exp, claims.expire_at), user=claims.sub,
                          client=claims.client)


def app_user(identity: Identity | None) -> str | None:
    """The user of a connection as apps know it: a Centrifugo token's `sub`, "" when
    anonymous, None for a Chorus account (no app's token or user-limited channel can name it)."""
    if identity is None or not identity.user:
        return ""
    return identity.user if identity.external else None


def check_grant(identity: Identity | None, client_id: str, channel: str, grant: SubOptions) -> None:
    """A subscription token must name this channel, this connection's user (and its client id,
    if it names one); otherwise the connection is closed with 3500 as Centrifugo does."""
    if (grant.channel != channel or grant.user != app_user(identity)
            or (grant.client and grant.client != client_id)):
        raise Disconnected(codes.INVALID_TOKEN, "invalid token")
