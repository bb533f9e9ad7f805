"""A real SMTP server (aiosmtpd, in its own thread) on 127.0.0.1 that records what it receives."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

__all__ = ["SmtpSink", "free_port"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real aiosmtpd server on 127.0.0.1 (in its own thread) recording what it receives."""

    def __init__(self, port: int | None = None, **controller_kwargs: Any) -> None:
        self.port = port or free_port()
        self.envelopes: list[Envelope] = []
        self.controller_kwargs = controller_kwargs
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    async def start(self) -> None:
        """Listen (again) on self.port."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     **self.controller_kwargs)
        await asyncio.to_thread(self.controller.start)

    async def stop(self) -> None:
        """Stop listening."""
        if self.controller is not None:
            await asyncio.to_thread(self.controller.stop)
            self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def messages(self) -> list[email.message.EmailMessage]:
        """The received mails, parsed."""
        return [email.message_from_bytes(e.original_content or b"", policy=email.policy.default)
                for e in self.envelopes]  # type: ignore[misc]
