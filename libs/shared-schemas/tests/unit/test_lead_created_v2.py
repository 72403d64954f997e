"""`lead.created` v2: the link travels sealed, or not at all for an address with an account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared_schemas import MalformedEvent, parse_event
from shared_schemas.events import LeadCreated


def _v2(fixtures_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((fixtures_dir / "lead.created.v2.json").read_text())
    return loaded


def test_v2_has_no_plaintext_link_field(fixtures_dir: Path) -> None:
    event = parse_event(json.dumps(_v2(fixtures_dir)))

    assert isinstance(event, LeadCreated)
    assert (
        "verification_url"
        not in LeadCreated.model_json_schema()["$defs"]["LeadCreatedData"]["properties"]
    )
    assert event.data.verification_link is not None
    assert event.data.verification_link.key_id == "k2"


def test_an_existing_account_carries_no_link(fixtures_dir: Path) -> None:
    raw = _v2(fixtures_dir)
    raw["data"].update(account_exists=True, verification_link=None, code_expires_at=None)

    event = parse_event(json.dumps(raw))

    assert isinstance(event, LeadCreated)
    assert event.data.account_exists is True


@pytest.mark.parametrize(
    "change",
    [
        {"account_exists": True},
        {"verification_link": None},
        {"code_expires_at": None},
        {"account_exists": True, "verification_link": None},
    ],
    ids=["exists-with-link", "no-link", "no-expiry", "exists-with-expiry"],
)
def test_link_present_exactly_when_no_account_exists(
    fixtures_dir: Path, change: dict[str, Any]
) -> None:
    raw = _v2(fixtures_dir)
    raw["data"].update(change)

    with pytest.raises(MalformedEvent) as caught:
        parse_event(json.dumps(raw))

    assert "only when, no account exists" in caught.value.detail


def test_a_plaintext_link_is_refused_in_v2(fixtures_dir: Path) -> None:
    raw = _v2(fixtures_dir)
    raw["data"]["verification_url"] = "https://app.example/validate?id=x&code=live"

    with pytest.raises(MalformedEvent) as caught:
        parse_event(json.dumps(raw))

    assert "verification_url" in caught.value.detail
