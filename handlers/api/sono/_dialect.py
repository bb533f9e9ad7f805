"""Sono's way of answering (shared/seeds/003): FastAPI's `{"detail": "..."}`, the 422 list of
`{"loc", "msg", "type"}`, `WWW-Authenticate: Bearer` on 401, and its maintenance body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from handlers.api._auth import signed_out_messages
from handlers.api.dialect import FastAPIDialect
from handlers.api.keys import context
from handlers.crypto import decrypt_rsa_password
from handlers.errors import DomainError, Invalid

__all__ = ["SonoDialect", "sono", "iso", "password_from_request",
           "ENCRYPTED_HEADER"]

ENCRYPTED_HEADER = "X-Password-Encrypted"


class SonoDialect(FastAPIDialect):
    name = "sono"
    messages = {
        "bad_credentials": "Incorrect username or password",
        "unknown_account": "Incorrect username or password",
        **signed_out_messages("Could not validate credentials", no_credential="Not authenticated"),
        "account_disabled": "Account is disabled",
        "refresh_invalid": "Invalid or expired refresh token",
        "refresh_reused": "Refresh token was already used; please log in again",
        "username_taken": "Username already exists",
        "email_taken": "Email already exists",
        "wrong_password": "Incorrect password",
        "route_not_found": "Not Found",
        "http_405": "Method Not Allowed",
        "internal": "Internal server error",
    }
    # A wrong password on DELETE /users/me is a bad request, not a dead session: a 401 there
    # would send Sono's client into its refresh-and-retry loop and then to the login page.
    statuses = {"wrong_password": 400}

    def error_body(self, err: DomainError) -> Any:
        body = super().error_body(err)
        if err.code == "maintenance":
            body.update(err.extra)
        return body

    def render_error(self, err: DomainError) -> web.Response:
        response = super().render_error(err)
        if response.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response


sono = SonoDialect()


def iso(ts: float | None) -> str | None:
    """A stored epoch time as FastAPI renders datetimes (ISO 8601, UTC)."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def password_from_request(request: web.Request, value: str) -> str:
    """The password as typed: decrypted when the client sent `X-Password-Encrypted: true`
    (base64 RSA-OAEP/SHA-256 ciphertext for the key of GET /api/v1/users/public-key)."""
    if request.headers.get(ENCRYPTED_HEADER, "").strip().lower() != "true":
        return value
    # base64 has no spaces: a '+' that a client left unescaped in a query or form came back as one
    plain = decrypt_rsa_password(context(request).keys, value.strip().replace(" ", "+"))
    if plain is None:
        raise Invalid("Could not decrypt the password. Fetch the public key again and retry.",
                      code="password_decrypt_failed")
    return plain
