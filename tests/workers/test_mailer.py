"""MailerActor under a Supervisor, with an in-memory outbox and a real aiosmtpd server."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

import msgspec
import pytest

from providers.mail import SmtpMailer, parse_smtp_url
from store.records import OutboxMail
from tests.fakes.smtp import SmtpSink, free_port
from tests.waiting import until
from workers.actor import Actor, Supervisor
from workers.mailer import MailerActor

__all__: list[str] = []

SENDER = "Chorus <no-reply@chorus.test>"


class MemoryOutbox:
    """The outbox part of the store, in memory, with the sqlite backend's semantics."""

    def __init__(self) -> None:
        self.mails: dict[int, OutboxMail] = {}
        self.crash_next = 0

    def enqueue(self, to_addr: str, subject: str, body: str) -> int:
        now = time.time()
        mail_id = len(self.mails) + 1
        self.mails[mail_id] = OutboxMail(id=mail_id, to_addr=to_addr, subject=subject, body=body,
                                         status="pending", attempts=0, created_at=now,
                                         next_attempt_at=now)
        return mail_id

    async def due(self, now: float, limit: int = 20) -> list[OutboxMail]:
        if self.crash_next:
            self.crash_next -= 1
            raise RuntimeError("store unavailable")
        due = [m for m in self.mails.values()
               if m.status == "pending" and m.next_attempt_at <= now]
        return [msgspec.structs.replace(m) for m in due[:limit]]

    async def mark_sent(self, mail_id: int) -> None:
        mail = self.mails[mail_id]
        mail.status, mail.sent_at = "sent", time.time()

    async def mark_failed(self, mail_id: int, error: str, retry_at: float | None) -> None:
        mail = self.mails[mail_id]
        mail.attempts += 1
        mail.last_error = error
        mail.status = "failed" if retry_at is None else "pending"
        if retry_at is not None:
            mail.next_attempt_at = retry_at


@pytest.fixture
async def supervisor() -> AsyncIterator[Supervisor]:
    sup = Supervisor()
    yield sup
    await sup.close()


@pytest.fixture
async def sink() -> AsyncIterator[SmtpSink]:
    server = SmtpSink()
    await server.start()
    yield server
    await server.stop()


def smtp_mailer(port: int) -> SmtpMailer:
    return SmtpMailer(parse_smtp_url(f"smtp://127.0.0.1:{port}"))


async def test_pending_mail_is_delivered(supervisor: Supervisor, sink: SmtpSink) -> None:
    outbox = MemoryOutbox()
    first = outbox.enqueue("ada@example.org", "Welcome", "Hello Ada")
    actor = MailerActor(outbox, smtp_mailer(sink.port), SENDER, poll_interval=30.0)
    await supervisor.start(actor)
    await until(lambda: outbox.mails[first].status == "sent")
    # a wake delivers a newly enqueued mail without waiting for the (long) poll interval
    second = outbox.enqueue("bob@example.org", "Reset", "token=abc")
    actor.wake()
    await until(lambda: outbox.mails[second].status == "sent")
    assert [e.rcpt_tos for e in sink.envelopes] == [["ada@example.org"], ["bob@example.org"]]
    assert [m["Subject"] for m in sink.messages()] == ["Welcome", "Reset"]
    assert sink.messages()[1].get_content().strip() == "token=abc"


async def test_failure_is_retried_once_the_server_is_back(supervisor: Supervisor) -> None:
    sink = SmtpSink()
    outbox = MemoryOutbox()
    mail_id = outbox.enqueue("ada@example.org", "Welcome", "Hello")
    actor = MailerActor(outbox, smtp_mailer(sink.port), SENDER, base_delay=0.3,
                        poll_interval=0.02)
    await supervisor.start(actor)
    await until(lambda: outbox.mails[mail_id].attempts >= 1)
    mail = outbox.mails[mail_id]
    assert mail.status == "pending"
    assert mail.last_error
    assert mail.next_attempt_at > mail.created_at
    await sink.start()
    try:
        await until(lambda: outbox.mails[mail_id].status == "sent")
        assert sink.envelopes[0].rcpt_tos == ["ada@example.org"]
    finally:
        await sink.stop()


async def test_gives_up_after_max_attempts(supervisor: Supervisor) -> None:
    outbox = MemoryOutbox()
    mail_id = outbox.enqueue("ada@example.org", "Welcome", "Hello")
    actor = MailerActor(outbox, smtp_mailer(free_port()), SENDER, max_attempts=3,
                        base_delay=0.01, poll_interval=0.01)
    await supervisor.start(actor)
    await until(lambda: outbox.mails[mail_id].status == "failed")
    assert outbox.mails[mail_id].attempts == 3


async def test_crash_in_run_is_restarted(supervisor: Supervisor, sink: SmtpSink,
                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="workers.actor")
    outbox = MemoryOutbox()
    outbox.crash_next = 2
    mail_id = outbox.enqueue("ada@example.org", "Welcome", "Hello")
    actor = MailerActor(outbox, smtp_mailer(sink.port), SENDER, poll_interval=0.02)
    await supervisor.start(actor)
    await until(lambda: outbox.mails[mail_id].status == "sent")
    assert actor.restarts == 2
    assert caplog.text.count("actor mailer crashed") == 2
    assert "store unavailable" in caplog.text


class Finisher(Actor):
    """An actor that handles one message and returns."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[object] = []

    async def run(self) -> None:
        self.seen.append(await self.mailbox.get())


async def test_actor_that_returns_is_not_restarted(supervisor: Supervisor) -> None:
    actor = Finisher()
    job = await supervisor.start(actor)
    actor.tell("hello")
    await job.wait()
    assert actor.seen == ["hello"]
    assert actor.restarts == 0


async def test_close_cancels_running_actors() -> None:
    sup = Supervisor()
    job = await sup.start(Finisher())
    await sup.close()
    assert job.closed
