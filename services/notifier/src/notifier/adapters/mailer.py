"""Sending e-mail: over SMTP, or into a folder of .eml files when no SMTP server is configured."""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass, field
from email import policy
from email.header import Header
from email.message import Message
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog

from notifier.domain.messages import needs_smtputf8
from notifier.settings import NotifierSettings
from shared_schemas import EventRejected

log = structlog.get_logger(__name__)


class Mailer(Protocol):
    @property
    def transport(self) -> str: ...

    async def send(self, message: Message) -> None:
        """Hand the message over for delivery; raise if it was not accepted."""


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    start_tls: bool | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        """`smtp://[user:pass@]host[:port]` (STARTTLS on 587, else when offered) or `smtps://`."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://host:port")
        implicit_tls = parts.scheme == "smtps"
        port = parts.port or (465 if implicit_tls else 25)
        return cls(
            hostname=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit_tls,
            # None lets aiosmtplib upgrade whenever the server offers STARTTLS.
            start_tls=True if port == 587 and not implicit_tls else None,
        )


class SmtpMailer:
    transport = "smtp"

    def __init__(self, target: SmtpTarget, *, timeout: float) -> None:
        self._target = target
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpMailer({self._target.hostname}:{self._target.port})"

    async def send(self, message: Message) -> None:
        t = self._target
        connection = {
            "hostname": t.hostname,
            "port": t.port,
            "username": t.username,
            "password": t.password,
            "use_tls": t.use_tls,
            "start_tls": t.start_tls,
            "timeout": self._timeout,
        }
        # The envelope is given, not left to aiosmtplib: it splits a `Header` holding a
        # non-ASCII display name into bogus recipients.
        envelope = {
            "sender": _addr_spec(message["From"]),
            "recipients": [_addr_spec(message["To"])],
        }
        if not needs_smtputf8(message):
            await aiosmtplib.send(message, **envelope, **connection)  # type: ignore[arg-type]
            return
        # aiosmtplib flattens classic messages with compat32, which cannot write UTF-8 headers.
        try:
            await aiosmtplib.send(
                message.as_bytes(policy=policy.SMTPUTF8),
                mail_options=["SMTPUTF8"],
                **envelope,  # type: ignore[arg-type]
                **connection,  # type: ignore[arg-type]
            )
        except aiosmtplib.SMTPNotSupported as exc:
            raise NeedsSmtpUtf8(
                "the recipient's address has a non-ASCII local part, which needs SMTPUTF8, "
                "and the SMTP server does not offer it"
            ) from exc


def _addr_spec(value: str | Header) -> str:
    """The bare address of a From/To header as `compose` wrote it."""
    return parseaddr(value.encode() if isinstance(value, Header) else str(value))[1]


class NeedsSmtpUtf8(EventRejected):
    """This message can never travel through this server: retrying would not help."""

    reason = "undeliverable_address"


class MaildirMailer:
    """Writes each message to `<directory>/<Message-ID>.eml`: a resend overwrites, never doubles."""

    transport = "maildir"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: Message) -> None:
        path = eml_path(self.directory, str(message.get("Message-ID", "")))
        content = message.as_bytes(policy=policy.SMTPUTF8 if needs_smtputf8(message) else None)
        await asyncio.to_thread(_write_atomically, path, content)
        log.info("e-mail written to the mail folder", path=str(path))


def eml_filename(message_id: str) -> str:
    local = message_id.strip().strip("<>").partition("@")[0]
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", local).lstrip(".")
    if not safe:
        raise ValueError("a message needs a Message-ID to be stored")
    return f"{safe}.eml"


def eml_path(directory: Path | str, message_id: str) -> Path:
    return Path(directory).absolute() / eml_filename(message_id)


def _write_atomically(path: Path, content: bytes) -> None:
    # Owner-only: the messages carry the leads' secret verification links.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(content)
    os.replace(partial, path)


def mailer_from_settings(settings: NotifierSettings) -> Mailer:
    if settings.smtp_url is None:
        log.info("no SMTP_URL: e-mails go to the mail folder", mail_dir=settings.mail_dir)
        return MaildirMailer(Path(settings.mail_dir))
    mailer = SmtpMailer(
        SmtpTarget.from_url(settings.smtp_url.get_secret_value()), timeout=settings.smtp_timeout
    )
    log.info("e-mails go over SMTP", mailer=repr(mailer))
    return mailer
