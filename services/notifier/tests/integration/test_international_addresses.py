"""Internationalised addresses over real SMTP (aiosmtpd), with and without SMTPUTF8.

The domain goes as IDNA A-labels to any server; a non-ASCII local part only to a server that
offers SMTPUTF8, and to one that does not it fails once, recorded, and is dead-lettered.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import service_kit_testing as kit
from notifier.settings import NotifierSettings
from service_kit.topology import dlq_name

from ..events import lead_created, opened_link  # type: ignore[import-not-found]

# The conftest's SMTP server, offering SMTPUTF8.
WITH_SMTPUTF8 = pytest.mark.parametrize("smtp", [pytest.param(True, id="smtputf8")], indirect=True)


async def test_an_idn_domain_goes_as_a_labels_to_a_server_without_smtputf8(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    event = lead_created(email="user@bücher.example", first_name="Jürgen")

    await send(event)
    await smtp.wait_for(1)

    assert smtp.recipients == [["user@xn--bcher-kva.example"]]
    (message,) = smtp.messages
    assert message["To"].addresses[0].addr_spec == "user@xn--bcher-kva.example"
    assert message["To"].addresses[0].display_name == "Jürgen Lovelace"
    assert opened_link(event) in message.get_body(("plain",)).get_content()
    row = await probe.notification(event.id, "SENT")
    assert row.recipient == "user@bücher.example"


@WITH_SMTPUTF8
async def test_a_non_ascii_local_part_goes_with_smtputf8_where_the_server_offers_it(
    send: kit.Publish, smtp: Any, probe: Any
) -> None:
    event = lead_created(email="müller@bücher.example", first_name="Jürgen")

    await send(event)
    await smtp.wait_for(1)

    assert smtp.recipients == [["müller@xn--bcher-kva.example"]]
    (message,) = smtp.messages
    raw_to = str(message["To"]).encode("utf-8", "surrogateescape").decode()
    assert raw_to == "Jürgen Lovelace <müller@xn--bcher-kva.example>"
    assert opened_link(event) in message.get_body(("plain",)).get_content()
    row = await probe.notification(event.id, "SENT")
    assert (row.attempts, row.last_error) == (1, None)


async def test_a_non_ascii_local_part_fails_once_clearly_without_smtputf8(
    send: kit.Publish, infra: kit.TestInfra, settings: NotifierSettings, smtp: Any, probe: Any
) -> None:
    event = lead_created(email="müller@bücher.example")
    retried = probe.consumed("retried")

    await send(event)

    (message,) = await kit.wait_for_queue_messages(infra, dlq_name(settings), timeout=10)
    assert message.headers["x-reason"] == "undeliverable_address"
    assert "needs SMTPUTF8" in message.headers["x-error"]
    assert "x-attempt" not in message.headers, "not retried: it can never succeed here"
    assert json.loads(message.body)["id"] == str(event.id)
    assert probe.consumed("retried") == retried
    assert smtp.messages == []
    row = await probe.notification(event.id, "FAILED")
    assert (row.attempts, row.recipient) == (1, "müller@bücher.example")
    assert "needs SMTPUTF8" in row.last_error
