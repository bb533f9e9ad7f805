"""Spot On's dialect: errors are `{"error": "..."}`, worded as its document words them."""

from __future__ import annotations

from handlers.api._auth import signed_out_messages
from handlers.api.dialect import Dialect

__all__ = ["SpotOnDialect", "spoton"]


class SpotOnDialect(Dialect):
    name = "spoton"
    messages = {
        "bad_credentials": "Invalid username or password",
        "unknown_account": "Invalid username or password",
        "wrong_password": "Invalid username or password",
        **signed_out_messages("User not authenticated"),
        "username_taken": "Username already exists",
        "email_taken": "Email already registered",
        "unknown_email": "User with credentials not found",
        "reset_invalid": "No user found",
    }


spoton = SpotOnDialect()
