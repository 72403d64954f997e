"""The sealed verification link and the "you already have an account" e-mail, end to end
through the real app, PostgreSQL, RabbitMQ and an SMTP server."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from fastapi import FastAPI

import service_kit_testing as kit
from notifier.settings import NotifierSettings
from service_kit.sealing import Keyring
from service_kit.topology import dlq_name
from shared_schemas.events import Sealed

from ..events import lead_created  # type: ignore[import-not-found]

OTHER_KEY = Keyring.parse(f"k9:{base64.b64encode(b'9' * 32).decode()}")


def _tampered(sealed: Sealed) -> Sealed:
    raw = bytearray(base64.urlsafe_b64decode(sealed.ciphertext))
    raw[-1] ^= 1
    return sealed.model_copy(update={"ciphertext": base64.urlsafe_b64encode(raw).decode()})


async def test_a_link_no_key_opens_is_dead_lettered_at_once_with_its_reason(
    app: FastAPI, settings: NotifierSettings, infra: kit.TestInfra, smtp: Any, probe: Any
) -> None:
    unknown_key = lead_created(keyring=OTHER_KEY)
    good = lead_created()
    tampered = lead_created(verification_link=_tampered(good.data.verification_link))
    # A link sealed for another lead does not open for this one.
    moved = lead_created(verification_link=good.data.verification_link, lead_id=uuid.uuid4())
    retried = probe.consumed("retried")
    for event in (unknown_key, tampered, moved):
        await kit.publish_event(infra, event)
    await kit.publish_event(infra, good)

    dead = await kit.wait_for_queue_messages(infra, dlq_name(settings), count=3)
    by_id = {json.loads(m.body)["id"]: m for m in dead}
    assert set(by_id) == {str(unknown_key.id), str(tampered.id), str(moved.id)}
    for message in dead:
        assert message.headers["x-reason"] == "sealed_value_unreadable"
        assert "x-attempt" not in message.headers, "never retried: it can never succeed"
    assert "'k9', which is not configured (dev)" in by_id[str(unknown_key.id)].headers["x-error"]
    assert "does not open" in by_id[str(tampered.id)].headers["x-error"]
    assert "does not open" in by_id[str(moved.id)].headers["x-error"]
    assert probe.consumed("retried") == retried

    (message,) = await smtp.wait_for(1)
    assert smtp.recipients == [[good.data.email]], "the next message is not blocked"
    for event in (unknown_key, tampered, moved):
        assert await probe.notifications(event.id) == []


async def test_an_address_with_an_account_gets_a_sign_in_hint_and_no_code(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    event = lead_created(account_exists=True, verification_link=None, code_expires_at=None)
    await send(event)

    (message,) = await smtp.wait_for(1)
    text = message.get_body(("plain",)).get_content()
    rich = message.get_body(("html",)).get_content()
    assert message["Subject"] == "You already have an account"
    assert "You already have an account, so there is nothing to confirm: sign in" in text
    assert "http://localhost:3000" in text
    assert 'href="http://localhost:3000"' in rich
    assert "code" not in text.lower()
    assert "validate" not in text
    assert smtp.recipients == [[event.data.email]]
    row = await probe.notification(event.id, "SENT")
    assert (row.kind, row.subject) == ("lead_account_exists", "You already have an account")
