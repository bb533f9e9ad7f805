"""Listen tokens: what ListenBrainz-speaking scrobblers send as `Authorization: Token <token>`.

One per user, made on first read and replaced by a rotation. At rest it is kept twice: hashed
(SHA-256, `handlers.crypto.hash_token`) to find its user, and encrypted with the process vault
(Fernet) so the user can be shown it again; the plain token is never stored.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.crypto import hash_token, new_token
from handlers.errors import Unauthorized
from handlers.identity.auth import Principal, principal_of_user
from store.records import ListenToken, User

__all__ = ["listen_token", "rotate_listen_token", "principal_of_listen_token"]


def _sealed(ctx: Context, user_id: int, token: str) -> ListenToken:
    encrypted = ctx.vault.encrypt(token)
    assert encrypted is not None
    return ListenToken(user_id=user_id, token_hash=hash_token(token), token_encrypted=encrypted,
                       created_at=ctx.clock())


def _opened(ctx: Context, stored: ListenToken) -> str | None:
    return ctx.vault.decrypt(stored.token_encrypted)


async def listen_token(ctx: Context, user: User) -> str:
    """The user's listen token, made on first read."""
    stored = await ctx.store.listen_tokens.get(user.id)
    if stored is not None:
        plain = _opened(ctx, stored)
        if plain is not None:
            return plain
        # sealed with keys this process no longer has: the token cannot be shown, so a new one
        return await rotate_listen_token(ctx, user)
    token = new_token()
    stored = await ctx.store.listen_tokens.add(_sealed(ctx, user.id, token))
    plain = _opened(ctx, stored)  # another request may have made it first: show that one
    assert plain is not None
    return plain


async def rotate_listen_token(ctx: Context, user: User) -> str:
    """A new listen token for the user; the previous one stops working at once."""
    token = new_token()
    await ctx.store.listen_tokens.replace(_sealed(ctx, user.id, token))
    return token


async def principal_of_listen_token(ctx: Context, token: str) -> Principal | None:
    """Who `token` belongs to, or None for an unknown token or an account no longer active."""
    if not token:
        return None
    stored = await ctx.store.listen_tokens.by_hash(hash_token(token))
    if stored is None:
        return None
    try:
        return await principal_of_user(ctx, stored.user_id)
    except Unauthorized:
        return None
