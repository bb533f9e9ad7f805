"""Reset mail end to end: outbox row first, then the mailer actor delivers it over real SMTP."""

from __future__ import annotations

import re

from tests.conftest import STRONG_PASSWORD, ctx_of
from tests.fakes.smtp import SmtpSink
from tests.reset_mail import reset_mails, reset_token
from tests.waiting import until


async def test_reset_mail_reaches_the_smtp_server_with_a_public_link(make_client):
    sink = SmtpSink()
    await sink.start()
    try:
        client = await make_client(smtp_url=sink.url, public_url="https://chorus.example")
        await client.post("/api/register", json={
            "username": "mia", "email": "mia@example.com", "password": STRONG_PASSWORD})
        resp = await client.post("/api/forget-password", json={"email": "mia@example.com"})
        assert resp.status == 200
        await until(lambda: len(sink.envelopes) == 1)
        message = sink.messages()[0]
        assert message["To"] == "mia@example.com"
        body = message.get_content()
        assert re.search(r"https://chorus\.example/reset-password\?token=[\w\-]+", body)
        rows = await ctx_of(client).store.outbox.list("mia@example.com")
        assert rows[0].to_addr == "mia@example.com"
    finally:
        await sink.stop()


async def test_mail_written_while_smtp_is_down_is_sent_later(make_client):
    sink = SmtpSink()  # not started yet: the first attempts fail
    client = await make_client(smtp_url=sink.url)
    await client.post("/api/register", json={
        "username": "leo", "email": "leo@example.com", "password": STRONG_PASSWORD})
    await client.post("/api/forget-password", json={"email": "leo@example.com"})
    rows = await reset_mails(client, "leo@example.com")
    assert len(rows) == 1  # the row exists before any delivery attempt succeeds
    await sink.start()
    try:
        ctx_of(client).wake_mailer()
        await until(lambda: len(sink.envelopes) == 1)
        assert sink.messages()[0]["To"] == "leo@example.com"
    finally:
        await sink.stop()


async def test_without_smtp_mail_stays_in_the_outbox_and_the_log_has_no_token(client, caplog):
    caplog.set_level("INFO")
    await client.post("/api/register", json={
        "username": "zed", "email": "zed@example.com", "password": STRONG_PASSWORD})
    await client.post("/api/forget-password", json={"email": "zed@example.com"})
    outbox = ctx_of(client).store.outbox
    token = await reset_token(client, "zed@example.com")

    async def handled() -> bool:
        """The mailer has been through the row: the log mailer logged it, then marked it sent."""
        return (await outbox.list("zed@example.com"))[0].status == "sent"

    await until(handled)
    assert any("mail to zed@example.com not sent" in r.getMessage() for r in caplog.records)
    assert all(token not in r.getMessage() for r in caplog.records)
