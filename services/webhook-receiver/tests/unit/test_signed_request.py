from __future__ import annotations

import hashlib

import pytest

from webhook_receiver.domain.receipts import Reason, Scheme, headers_subset
from webhook_receiver.domain.signed_request import SignedRequest, detect_scheme, read_signed_request

STANDARD = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": "v1,x"}
ARC = {"x-signature": "AB" * 32, "x-timestamp": "1700000000000"}


def test_any_standard_header_means_standard_webhooks() -> None:
    assert detect_scheme(STANDARD) is Scheme.STANDARD
    assert detect_scheme({**ARC, "webhook-id": "msg_1"}) is Scheme.STANDARD
    assert detect_scheme(ARC) is Scheme.ARC
    assert detect_scheme({}) is Scheme.ARC


def test_standard_headers_are_read_with_the_id_as_delivery_key() -> None:
    signed = read_signed_request(STANDARD)
    assert signed == SignedRequest(Scheme.STANDARD, 1700000000, "v1,x", "msg_1")
    assert isinstance(signed, SignedRequest)
    assert signed.sent_at_ms == 1700000000000
    assert signed.delivery_key == "msg_1"


def test_arc_delivery_key_is_the_sha256_of_the_lowercased_signature() -> None:
    signed = read_signed_request(ARC)
    assert isinstance(signed, SignedRequest)
    assert signed.sent_at_ms == 1700000000000
    assert signed.delivery_key == hashlib.sha256(("ab" * 32).encode()).hexdigest()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-timestamp": "1"},
        {"x-signature": "ab"},
        {**ARC, "x-signature": "  "},
        {k: v for k, v in STANDARD.items() if k != "webhook-timestamp"},
    ],
)
def test_missing_headers(headers: dict[str, str]) -> None:
    assert read_signed_request(headers) is Reason.MISSING_HEADERS


@pytest.mark.parametrize(
    "headers",
    [
        {**ARC, "x-timestamp": "-5"},
        {**ARC, "x-timestamp": "1.5e12"},
        {**ARC, "x-timestamp": "١٢٣"},  # digits, but not ASCII ones
        {**ARC, "x-timestamp": "9" * 21},
        {**ARC, "x-signature": "a" * 2049},
        {**STANDARD, "webhook-id": "has space"},
        {**STANDARD, "webhook-id": "m" * 201},
    ],
)
def test_malformed_headers(headers: dict[str, str]) -> None:
    assert read_signed_request(headers) is Reason.INVALID_HEADERS


def test_receipts_keep_no_signature_and_bounded_values() -> None:
    kept = headers_subset({**STANDARD, **ARC, "user-agent": "u" * 500, "cookie": "c"})
    assert set(kept) == {"webhook-id", "webhook-timestamp", "x-timestamp", "user-agent"}
    assert len(kept["user-agent"]) == 200
