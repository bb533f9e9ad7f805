"""parse_smtp_url, and SmtpMailer/LogMailer delivering to a real aiosmtpd server on loopback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from providers.mail import (
    LogMailer,
    MailMessage,
    SmtpMailer,
    SmtpSettings,
    make_mailer,
    parse_smtp_url,
)
from tests.fakes.smtp import SmtpSink, free_port

__all__ = ["SmtpSink", "free_port"]

SENDER = "Chorus <no-reply@chorus.test>"


@pytest.fixture
async def sink() -> AsyncIterator[SmtpSink]:
    server = SmtpSink()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.org", SmtpSettings(host="mail.example.org", port=25)),
    ("smtp://mail.example.org:2525", SmtpSettings(host="mail.example.org", port=2525)),
    ("smtps://mail.example.org", SmtpSettings(host="mail.example.org", port=465, use_tls=True)),
    ("SMTPS://mail.example.org:1465",
     SmtpSettings(host="mail.example.org", port=1465, use_tls=True)),
    ("smtp://bob:s3cret@127.0.0.1:587",
     SmtpSettings(host="127.0.0.1", port=587, username="bob", password="s3cret")),
    ("smtp://bob%40example.org:p%40ss%3Aw%2Frd@mx:587",
     SmtpSettings(host="mx", port=587, username="bob@example.org", password="p@ss:w/rd")),
    ("smtps://apikey:@smtp.example.org",
     SmtpSettings(host="smtp.example.org", port=465, username="apikey", password="",
                  use_tls=True)),
])
def test_parse_smtp_url(url: str, expected: SmtpSettings) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mx:25", "mx:25", "smtp://", "smtp://mx:notaport"])
def test_parse_smtp_url_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        parse_smtp_url(url)


def test_settings_repr_hides_password() -> None:
    settings = parse_smtp_url("smtp://bob:hunter2@mx:587")
    assert "hunter2" not in repr(settings)


def test_make_mailer() -> None:
    assert isinstance(make_mailer(""), LogMailer)
    assert isinstance(make_mailer("smtp://127.0.0.1:2525"), SmtpMailer)


async def test_smtp_mailer_delivers(sink: SmtpSink) -> None:
    mailer = make_mailer(sink.url)
    body = "Héllo Ada,\n\nreset link: https://chorus.test/reset?token=abc\n"
    await mailer.send(MailMessage(to_addr="ada@example.org", subject="Réinitialisation",
                                  body=body), SENDER)
    assert len(sink.envelopes) == 1
    envelope = sink.envelopes[0]
    assert envelope.rcpt_tos == ["ada@example.org"]
    assert envelope.mail_from == "no-reply@chorus.test"
    [message] = sink.messages()
    assert message["Subject"] == "Réinitialisation"
    assert message["To"] == "ada@example.org"
    assert message["From"] == SENDER
    assert message["Message-ID"].endswith("@chorus.test>")
    assert message["Date"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == body  # CRLF on the wire


async def test_smtp_mailer_with_auth() -> None:
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    sink = SmtpSink(authenticator=authenticator, auth_require_tls=False)
    await sink.start()
    try:
        mailer = make_mailer(f"smtp://bob:p%40ss%3Aw%2Frd@127.0.0.1:{sink.port}")
        await mailer.send(MailMessage(to_addr="x@example.org", subject="s", body="b"), SENDER)
    finally:
        await sink.stop()
    assert logins == [("bob", "p@ss:w/rd")]
    assert sink.envelopes[0].rcpt_tos == ["x@example.org"]


async def test_smtp_mailer_raises_when_server_is_down() -> None:
    mailer = make_mailer(f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(OSError):
        await mailer.send(MailMessage(to_addr="x@example.org", subject="s", body="b"), SENDER)


async def test_log_mailer_logs_subject_not_body(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="providers.mail")
    await LogMailer().send(MailMessage(to_addr="ada@example.org", subject="Reset your password",
                                       body="token=SECRET-TOKEN"), SENDER)
    assert "Reset your password" in caplog.text
    assert "ada@example.org" in caplog.text
    assert "SECRET-TOKEN" not in caplog.text
