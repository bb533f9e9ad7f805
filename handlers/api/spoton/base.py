"""Spot On's dialect: errors are `{"error": "..."}`, worded as its document words them."""

from __future__ import annotations

from handlers.api.dialect import Dialect

__all__ = ["SpotOnDialect", "spoton"]


class SpotOnDialect(Dialect):
    name = "spoton"
    messages = {
        "bad_credentials": "Invalid username or password",
        "unknown_account": "Invalid username or password",
        "wrong_password": "Invalid username or password",
        "not_authenticated": "User not authenticated",
        "token_invalid": "User not authenticated",
        "token_expired": "User not authenticated",
        "session_revoked": "User not authenticated",
        "session_expired": "User not authenticated",
        "account_inactive": "User not authenticated",
        "username_taken": "Username already exists",
        "email_taken": "Email already registered",
        "unknown_email": "User with credentials not found",
        "reset_invalid": "No user found",
    }


spoton = SpotOnDialect()
