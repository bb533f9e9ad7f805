"""The mailer actor: delivers due outbox rows, retrying failures with exponential backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Protocol

from providers.mail import Mailer, MailMessage
from store.records import OutboxMail
from workers.actor import Actor

__all__ = ["MailerActor", "Outbox"]

log = logging.getLogger(__name__)


class Outbox(Protocol):
    """The part of store.interface.OutboxRepo the mailer uses."""

    async def due(self, now: float, limit: int = 20) -> list[OutboxMail]: ...
    async def mark_sent(self, mail_id: int) -> None: ...
    async def mark_failed(self, mail_id: int, error: str, retry_at: float | None) -> None: ...


class MailerActor(Actor):
    """Sends pending outbox mail; a row stays pending until sent, so a crash loses nothing."""

    def __init__(
        self,
        outbox: Outbox,
        mailer: Mailer,
        sender: str,
        *,
        max_attempts: int = 5,
        base_delay: float = 1.0,
        poll_interval: float = 1.0,
        batch_size: int = 20,
    ) -> None:
        super().__init__(name="mailer")
        self.outbox = outbox
        self.mailer = mailer
        self.sender = sender
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.poll_interval = poll_interval
        self.batch_size = batch_size

    def wake(self) -> None:
        """Ask for a delivery round now (after an enqueue) instead of at the next poll."""
        self.tell(None)

    async def run(self) -> None:
        """Deliver what is due, then wait for a wake or the poll interval, forever."""
        while True:
            await self.deliver_due()
            await self._wait()

    async def deliver_due(self) -> int:
        """One delivery round; returns how many mails were sent."""
        sent = 0
        for mail in await self.outbox.due(time.time(), self.batch_size):
            message = MailMessage(to_addr=mail.to_addr, subject=mail.subject, body=mail.body)
            try:
                await self.mailer.send(message, self.sender)
            except Exception as exc:
                await self._failed(mail, exc)
            else:
                await self.outbox.mark_sent(mail.id)
                sent += 1
        return sent

    async def _failed(self, mail: OutboxMail, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if mail.attempts + 1 >= self.max_attempts:
            retry_at = None
            log.error("mail %d to %s failed %d times, giving up: %s",
                      mail.id, mail.to_addr, mail.attempts + 1, error)
        else:
            retry_at = time.time() + self.base_delay * 2**mail.attempts
            log.warning("mail %d to %s failed (attempt %d), retrying at %.0f: %s",
                        mail.id, mail.to_addr, mail.attempts + 1, retry_at, error)
        await self.outbox.mark_failed(mail.id, error, retry_at)

    async def _wait(self) -> None:
        """Until a wake arrives or poll_interval passes; coalesces queued wakes into one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.mailbox.get(), self.poll_interval)
        while not self.mailbox.empty():
            self.mailbox.get_nowait()
