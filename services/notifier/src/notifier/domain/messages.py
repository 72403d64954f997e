"""E-mails built from event data: pure (the templates ship inside the package; no other I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from shared_schemas.events import LeadCreatedData


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("notifier", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def one_line(value: str) -> str:
    """Collapse whitespace: user-supplied text must never break a header or a line."""
    return " ".join(value.split())


def format_expiry(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_lead_verification(data: LeadCreatedData) -> RenderedMail:
    company = one_line(data.company_name)
    context = {
        "first_name": one_line(data.first_name),
        "company_name": company,
        "verification_url": data.verification_url,
        "expires_at": format_expiry(data.code_expires_at),
    }
    env = _templates()
    return RenderedMail(
        subject=f"Confirm your e-mail address for {company}",
        text=env.get_template("lead_verification.txt").render(context),
        html=env.get_template("lead_verification.html").render(context),
    )


def sender_domain(mail_from: str) -> str:
    return parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"


def compose(
    mail: RenderedMail,
    *,
    sender: str,
    to_name: str,
    to_address: str,
    message_id: str,
    date: datetime,
) -> EmailMessage:
    """A multipart/alternative message (plain text first, HTML preferred by capable clients)."""
    message = EmailMessage()
    message["From"] = sender
    user, _, domain = to_address.rpartition("@")
    message["To"] = Address(display_name=one_line(to_name), username=user, domain=domain)
    message["Subject"] = mail.subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(date)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message
