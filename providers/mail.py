"""Outgoing mail: SMTP through aiosmtplib when CHORUS_SMTP_URL is set, else a log line."""

from __future__ import annotations

import email.utils
import logging
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import msgspec

__all__ = ["LogMailer", "MailMessage", "Mailer", "SmtpMailer", "SmtpSettings", "build_email",
           "make_mailer", "parse_smtp_url"]

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailMessage(msgspec.Struct, frozen=True):
    """One plain-text mail to one recipient."""

    to_addr: str
    subject: str
    body: str


class SmtpSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how to deliver: implicit TLS for smtps://, opportunistic STARTTLS for smtp://."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    timeout: float = 30.0

    def __repr__(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        scheme = "smtps" if self.use_tls else "smtp"
        return f"SmtpSettings({scheme}://{user}{self.host}:{self.port})"


class Mailer(Protocol):
    """Anything that can deliver a MailMessage from `sender`."""

    async def send(self, message: MailMessage, sender: str) -> None: ...


def parse_smtp_url(url: str) -> SmtpSettings:
    """SmtpSettings from `smtp://[user:pass@]host[:port]` or `smtps://…` (user/pass URL-encoded)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"CHORUS_SMTP_URL must start with smtp:// or smtps://, not {scheme!r}")
    if not parts.hostname:
        raise ValueError("CHORUS_SMTP_URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ValueError("CHORUS_SMTP_URL has an invalid port") from exc
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=scheme == "smtps",
    )


class SmtpMailer:
    """Delivers over SMTP; raises aiosmtplib.SMTPException or OSError when it cannot."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, message: MailMessage, sender: str) -> None:
        """Send one text/plain UTF-8 mail with Date and Message-ID headers."""
        s = self.settings
        await aiosmtplib.send(
            build_email(message, sender),
            hostname=s.host,
            port=s.port,
            username=s.username,
            password=s.password,
            use_tls=s.use_tls,
            start_tls=False if s.use_tls else None,  # None: STARTTLS when the server offers it
            timeout=s.timeout,
        )


class LogMailer:
    """The offline default: logs recipient and subject (never the body: it holds reset tokens)."""

    async def send(self, message: MailMessage, sender: str) -> None:
        """Log that the mail would have been sent."""
        log.info("no SMTP configured; mail to %s not sent: %s", message.to_addr, message.subject)


def build_email(message: MailMessage, sender: str) -> EmailMessage:
    """The RFC 5322 message for `message`."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_addr
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.formatdate(usegmt=True)
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "chorus.local"
    mail["Message-ID"] = email.utils.make_msgid(domain=domain)
    mail.set_content(message.body, subtype="plain", charset="utf-8")
    return mail


def make_mailer(smtp_url: str) -> Mailer:
    """SmtpMailer for a configured CHORUS_SMTP_URL, LogMailer when it is empty."""
    if not smtp_url.strip():
        return LogMailer()
    return SmtpMailer(parse_smtp_url(smtp_url))
