"""E-mails built from event data: pure (the templates ship inside the package; no other I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifier.domain.addresses import mail_address
from shared_schemas.events import (
    Contact,
    LeadCreatedData,
    LeadCreatedV1Data,
    TenantActivatedData,
    TenantOffboardedData,
    TenantProvisioningFailedData,
)


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
        auto_reload=False,  # the templates ship inside the package: no stat per render
    )


def one_line(value: str) -> str:
    """Collapse whitespace: user-supplied text must never break a header or a line."""
    return " ".join(value.split())


def clip(value: str, limit: int = 80) -> str:
    """One line of at most `limit` characters: names are unbounded, subjects must not be."""
    value = one_line(value)
    return value if len(value) <= limit else value[: limit - 3].rstrip() + "..."


def format_utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def full_name(contact: Contact) -> str:
    return one_line(f"{contact.first_name} {contact.last_name}")


def _render(name: str, subject: str, context: Mapping[str, object]) -> RenderedMail:
    env = _templates()
    return RenderedMail(
        subject=subject,
        text=env.get_template(f"{name}.txt").render(context),
        html=env.get_template(f"{name}.html").render(context),
    )


def render_lead_verification(
    data: LeadCreatedData | LeadCreatedV1Data, *, verification_url: str, expires_at: datetime
) -> RenderedMail:
    """The link comes opened (v2 seals it in the event), so it is passed in, not read here."""
    company = one_line(data.company_name)
    context = {
        "first_name": one_line(data.first_name),
        "company_name": company,
        "verification_url": verification_url,
        "expires_at": format_utc(expires_at),
    }
    return _render("lead_verification", f"Confirm your e-mail address for {company}", context)


def render_lead_account_exists(data: LeadCreatedData, *, sign_in_url: str) -> RenderedMail:
    """For a sign-up with an address that already has an account: no code, a way to sign in."""
    context = {"first_name": one_line(data.first_name), "sign_in_url": sign_in_url}
    return _render("lead_account_exists", "You already have an account", context)


def app_url(data: TenantActivatedData, base_url: str) -> str:
    """The URL the pipeline reported, else `{base_url}/{key}`.

    Only http(s) links are used: the reported URL comes from a third party's callback, and a
    `javascript:` or `data:` link has no place in an e-mail.
    """
    if data.app_url and urlsplit(data.app_url.strip()).scheme in {"http", "https"}:
        return data.app_url.strip()
    return f"{base_url.rstrip('/')}/{quote(data.key, safe='')}"


def render_tenant_welcome(data: TenantActivatedData, *, app_base_url: str) -> RenderedMail:
    name = one_line(data.name)
    context = {
        "first_name": one_line(data.contact.first_name),
        "tenant_name": name,
        "key": one_line(data.key),
        "app_url": app_url(data, app_base_url),
    }
    return _render("tenant_welcome", f"Welcome aboard: {clip(name)} is ready", context)


def render_provisioning_failed_contact(data: TenantProvisioningFailedData) -> RenderedMail:
    """For the customer: an apology and a reference, never the step or the internal reason."""
    context = {"first_name": one_line(data.contact.first_name), "reference": str(data.tenant_id)}
    return _render(
        "provisioning_failed_contact",
        "We are sorry: setting up your tenant did not complete",
        context,
    )


def render_provisioning_failed_ops(
    data: TenantProvisioningFailedData, *, occurred_at: datetime
) -> RenderedMail:
    """For the operators: everything needed to investigate and retry."""
    step = one_line(data.step)
    context = {
        "tenant_id": str(data.tenant_id),
        "pipeline_id": str(data.pipeline_id),
        "step": step,
        "reason": data.reason.strip(),
        "contact_name": full_name(data.contact),
        "contact_email": str(data.contact.email),
        "occurred_at": format_utc(occurred_at),
    }
    return _render(
        "provisioning_failed_ops",
        f"[ops] Provisioning failed: tenant {data.tenant_id}, step {clip(step, 60)}",
        context,
    )


def render_tenant_offboarded(data: TenantOffboardedData, export_links: list[str]) -> RenderedMail:
    """`export_links`: where the contact fetches the tenant's export (its folder's path, or a
    presigned link per file); none when there is no export."""
    key = one_line(data.key)
    context = {
        "first_name": one_line(data.contact.first_name),
        "key": key,
        "export_links": [one_line(link) for link in export_links],
    }
    return _render("tenant_offboarded", f"Your tenant {clip(key)} has been offboarded", context)


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
) -> Message:
    """A multipart/alternative message (plain text first, HTML preferred by capable clients).

    Built with the classic MIME classes: `EmailMessage` parses every header as it is set and
    again as it is written, three times the cost of the whole message here. Every header value
    is one line already (names through `one_line`, subjects through `clip`), and non-ASCII text
    is RFC 2047-encoded, as the modern API would. The recipient's domain is written in IDNA
    A-labels; a non-ASCII local part cannot be RFC 2047-encoded, so such a message keeps its
    headers as UTF-8 text (RFC 6532) and the mailer sends it with SMTPUTF8.
    """
    recipient = mail_address(to_address)
    utf8 = recipient.needs_smtputf8
    message = MIMEMultipart("alternative")
    encoded = {
        "From": _address(*parseaddr(sender), utf8=utf8),
        "To": _address(to_name, recipient.addr_spec, utf8=utf8),
        "Subject": one_line(mail.subject) if utf8 else _text(mail.subject),
    }
    for name, value in encoded.items():
        message[name] = value  # type: ignore[assignment]  # the classic API takes a Header too
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(date)
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(mail.text, "plain", _UTF8_QP))  # type: ignore[arg-type]
    message.attach(MIMEText(mail.html, "html", _UTF8_QP))  # type: ignore[arg-type]
    return message


def needs_smtputf8(message: Message) -> bool:
    """Whether `compose` wrote this message's headers as UTF-8 (only then is `To` such text)."""
    to = message.get("To")
    return isinstance(to, str) and not to.isascii()


# Quoted-printable bodies: readable where they are plain ASCII (links, most of the text).
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP


# A `Header` (not its encoded string) is folded knowing the header's name, so that a long
# value starts on the header's own line.
def _text(value: str) -> str | Header:
    value = one_line(value)
    return value if value.isascii() else Header(value, "utf-8")


def _address(name: str, address: str, *, utf8: bool = False) -> str | Header:
    name = one_line(name)
    if utf8:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>' if name else address
    if name.isascii():
        return formataddr((name, address))
    header = Header(name, "utf-8")
    header.append(f"<{address}>", "us-ascii")
    return header
