"""parse_event turns every message it cannot handle into a typed rejection with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared_schemas import MalformedEvent, UnknownEvent, parse_event


def _raw(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def test_unknown_type_is_rejected_as_unknown(valid_event: dict[str, Any]) -> None:
    valid_event["type"] = "lead.teleported"

    with pytest.raises(UnknownEvent) as caught:
        parse_event(_raw(valid_event))

    assert caught.value.reason == "unknown_type_or_version"
    assert "lead.teleported@v1" in caught.value.detail


def test_unknown_version_of_a_known_type_is_rejected_as_unknown(
    valid_event: dict[str, Any],
) -> None:
    valid_event["version"] = 3

    with pytest.raises(UnknownEvent) as caught:
        parse_event(_raw(valid_event))

    assert caught.value.reason == "unknown_type_or_version"
    assert "lead.created@v3" in caught.value.detail
    assert "known: lead.created@v1, lead.created@v2" in caught.value.detail


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b"\xff\xfe", b"[]"],
    ids=["broken", "empty", "not-utf8", "not-an-object"],
)
def test_invalid_json_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedEvent) as caught:
        parse_event(raw)

    assert caught.value.reason == "malformed"


def test_missing_field_in_data_is_malformed(valid_event: dict[str, Any]) -> None:
    del valid_event["data"]["lead_id"]

    with pytest.raises(MalformedEvent) as caught:
        parse_event(_raw(valid_event))

    assert caught.value.reason == "malformed"
    assert "data.lead_id: Field required" in caught.value.detail


def test_extra_field_in_data_is_malformed(valid_event: dict[str, Any]) -> None:
    valid_event["data"]["phone"] = "+44 117 496 0000"

    with pytest.raises(MalformedEvent) as caught:
        parse_event(_raw(valid_event))

    assert caught.value.reason == "malformed"
    assert "data.phone: Extra inputs are not permitted" in caught.value.detail


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "not-a-uuid"),
        ("occurred_at", "yesterday"),
        ("correlation_id", 42),
        ("producer", ["lead-verifier"]),
        ("tenant_id", "acme"),
    ],
)
def test_wrong_typed_envelope_field_is_malformed(
    valid_event: dict[str, Any], field: str, value: object
) -> None:
    valid_event[field] = value

    with pytest.raises(MalformedEvent) as caught:
        parse_event(_raw(valid_event))

    assert caught.value.reason == "malformed"
    assert f"{field}:" in caught.value.detail


@pytest.mark.parametrize("version", ["abc", None, [1]])
def test_unroutable_version_is_malformed(valid_event: dict[str, Any], version: object) -> None:
    # A version no model can be looked up by is a typed rejection, never a bare crash.
    valid_event["version"] = version

    with pytest.raises(MalformedEvent) as caught:
        parse_event(_raw(valid_event))

    assert caught.value.reason == "malformed"
    assert "version:" in caught.value.detail
