from __future__ import annotations

import html
import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import cast

from notifier.domain import messages
from notifier.domain.notifications import NotificationKind, message_id
from shared_schemas.events import LeadCreatedV1Data

LINK = "https://app.example/validate?id=42&code=s3cret"
EXPIRES = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def data(**over: object) -> LeadCreatedV1Data:
    values: dict[str, object] = {
        "lead_id": uuid.uuid4(),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "company_name": "Analytical Engines",
        "email": "ada@engines.example",
        "verification_url": LINK,
        "code_expires_at": EXPIRES,
    }
    values.update(over)
    return LeadCreatedV1Data.model_validate(values)


def verification(lead: LeadCreatedV1Data) -> messages.RenderedMail:
    return messages.render_lead_verification(
        lead, verification_url=lead.verification_url, expires_at=lead.code_expires_at
    )


def test_both_parts_greet_by_first_name_and_carry_the_link_and_expiry() -> None:
    mail = verification(data())
    for part in (mail.text, html.unescape(mail.html)):
        assert "Hello Ada," in part
        assert "Analytical Engines" in part
        assert LINK in part
        assert "2026-03-01 12:30 UTC" in part
    assert f'href="{html.escape(LINK)}"' in mail.html


def test_html_escapes_what_the_lead_typed_and_text_keeps_it_verbatim() -> None:
    mail = verification(
        data(first_name="<script>alert(1)</script>", company_name='Tom & "Jerry" <Ltd>')
    )
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "Tom &amp; &#34;Jerry&#34; &lt;Ltd&gt;" in mail.html
    assert "Hello <script>alert(1)</script>," in mail.text


def test_subject_names_the_company_on_one_line() -> None:
    mail = verification(data(company_name="Acme\r\nBcc: evil@example.com"))
    assert mail.subject == "Confirm your e-mail address for Acme Bcc: evil@example.com"
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject


def test_message_id_is_deterministic_per_event_and_kind() -> None:
    event_id = uuid.uuid4()
    kind = NotificationKind.LEAD_VERIFICATION
    assert message_id(event_id, kind, "cp.example") == message_id(event_id, kind, "cp.example")
    assert message_id(event_id, kind, "cp.example") != message_id(uuid.uuid4(), kind, "cp.example")
    assert (
        message_id(event_id, kind, "cp.example") == f"<{uuid.uuid5(event_id, kind).hex}@cp.example>"
    )
    sender = "Control Plane <no-reply@controlplane.local>"
    assert messages.sender_domain(sender) == "controlplane.local"


def test_compose_builds_multipart_alternative_with_plain_text_first() -> None:
    mail = verification(data(first_name="Zoë"))
    composed = messages.compose(
        mail,
        sender="Control Plane <no-reply@cp.example>",
        to_name="Zoë\nLovelace",
        to_address="zoe@engines.example",
        message_id="<lead_verification.1@cp.example>",
        date=EXPIRES,
    )
    wire = composed.as_bytes()
    assert wire.isascii(), "non-ASCII names and text are encoded for the wire"
    # As a recipient's mail program reads it.
    message = cast(EmailMessage, message_from_bytes(wire, policy=policy.default))
    assert message.get_content_type() == "multipart/alternative"
    text, rich = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert rich.get_content_type() == "text/html"
    assert LINK in text.get_content()  # type: ignore[attr-defined]
    assert message["To"] == "Zoë Lovelace <zoe@engines.example>"
    assert message["Message-ID"] == "<lead_verification.1@cp.example>"
    assert message["Subject"] == mail.subject


def test_compose_encodes_non_ascii_headers_and_no_value_can_add_a_header() -> None:
    to_address = "zoe@engines.example"
    mail = verification(data(first_name="Zoë"))
    subject = "Bienvenue chez Café Zoë — " + "é" * 120 + "\r\nBcc: evil@example.com"
    mail = messages.RenderedMail(
        subject=messages.clip(subject),
        text=mail.text,
        html=mail.html,
    )
    wire = messages.compose(
        mail,
        sender="Contrôle <no-reply@cp.example>",
        to_name="Zoë Müller\r\nBcc: evil@example.com",
        to_address=to_address,
        message_id="<lead_verification.2@cp.example>",
        date=EXPIRES,
    ).as_bytes()
    assert wire.isascii()
    message = cast(EmailMessage, message_from_bytes(wire, policy=policy.default))
    assert message["Subject"] == mail.subject
    assert message["From"] == "Contrôle <no-reply@cp.example>"
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Zoë Müller Bcc: evil@example.com", to_address)
    assert message["Bcc"] is None
    assert message.defects == []
