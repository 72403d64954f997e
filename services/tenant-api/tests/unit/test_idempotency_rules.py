"""Idempotency-Key rules: key syntax, fingerprints, records, decisions, callers, the spec."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tenant_api.idempotency.caller import caller_of
from tenant_api.idempotency.openapi import add_idempotency_key
from tenant_api.idempotency.rules import (
    Completed,
    Decision,
    InvalidKey,
    Pending,
    decide,
    decode,
    encode,
    fingerprint,
    is_kept,
    kept_headers,
    replay_headers,
    secret_withheld,
    storage_key,
    upstream_key,
    validate_key,
)


@pytest.mark.parametrize("key", ["a", "x" * 255, "3f2a-uuid-ish", "with inner space", "!~"])
def test_printable_ascii_keys_of_1_to_255_are_valid(key: str) -> None:
    assert validate_key([key.encode()]) == key


@pytest.mark.parametrize(
    "values",
    [
        [],
        [b""],
        [b"x" * 256],
        ["clé".encode()],
        [b"tab\there"],
        [b"new\nline"],
        [b" padded"],
        [b"a", b"b"],
    ],
)
def test_anything_else_is_refused(values: list[bytes]) -> None:
    with pytest.raises(InvalidKey):
        validate_key(values)


def test_the_fingerprint_covers_method_target_and_raw_body() -> None:
    base = fingerprint("POST", "/tenants", b'{"a":1}')
    assert base == fingerprint("POST", "/tenants", b'{"a":1}')
    assert base != fingerprint("POST", "/tenants", b'{"a": 1}')  # raw bytes, not parsed JSON
    assert base != fingerprint("PATCH", "/tenants", b'{"a":1}')
    assert base != fingerprint("POST", "/tenants?x=1", b'{"a":1}')


def test_the_fingerprint_takes_any_path_a_client_can_send() -> None:
    # A percent-encoded path arrives decoded: any Unicode character, control characters too.
    odd = fingerprint("POST", "/tenants/\U0002dc82\x18/suspend", b"")
    assert odd != fingerprint("POST", "/tenants/\x18/suspend", b"")
    assert len(odd) == 64


def test_storage_keys_are_prefixed_hashed_and_scoped() -> None:
    key = storage_key("cp:", "jwt:a", "POST", "/tenants", "k1")
    assert key.startswith("cp:idempotency:")
    assert "k1" not in key
    assert "jwt" not in key
    others = [
        storage_key("cp:", "jwt:b", "POST", "/tenants", "k1"),
        storage_key("cp:", "jwt:a", "DELETE", "/tenants", "k1"),
        storage_key("cp:", "jwt:a", "POST", "/leads", "k1"),
        storage_key("cp:", "jwt:a", "POST", "/tenants", "k2"),
    ]
    assert key not in others
    assert len(set(others)) == 4


def test_records_round_trip_and_claims_encode_deterministically() -> None:
    done = Completed("fp", 201, (("content-type", "application/json"),), b'{"id":"\xff"}')
    claim = Pending("fp", "owner-1")
    assert decode(encode(done)) == done
    assert decode(encode(claim)) == claim
    assert encode(Pending("fp", "owner-1")) == encode(claim)
    with pytest.raises(ValueError, match="not an idempotency record"):
        decode('{"state": "odd"}')
    with pytest.raises(ValueError, match="not an idempotency record"):
        decode("garbage")


def test_decisions() -> None:
    done = Completed("fp", 201, (), b"")
    assert decide(None, "fp") is Decision.CLAIM
    assert decide(done, "fp") is Decision.REPLAY
    assert decide(Pending("fp", "o"), "fp") is Decision.WAIT
    assert decide(done, "other") is Decision.MISMATCH
    assert decide(Pending("fp", "o"), "other") is Decision.MISMATCH


@pytest.mark.parametrize(
    ("status", "kept"),
    [
        *[(status, True) for status in (200, 201, 202, 400, 404, 409, 422)],
        *[(status, False) for status in (408, 429, 500, 502, 503)],
    ],
)
def test_final_answers_are_kept_and_retryable_ones_are_not(status: int, kept: bool) -> None:
    assert is_kept(status) is kept


@pytest.mark.parametrize("status", [200, 202, 409, 503])
def test_an_answer_that_says_when_to_come_back_is_never_kept(status: int) -> None:
    headers = [(b"content-type", b"application/problem+json"), (b"Retry-After", b"1")]
    assert is_kept(status, headers) is False
    assert is_kept(status, headers[:1]) is (status < 500)


def test_upstream_keys_are_scoped_to_caller_route_and_request() -> None:
    key = upstream_key("ip:10.0.0.7", "POST", "/leads", "k1", "fp")
    assert len(key) == 64
    assert "k1" not in key
    assert key == upstream_key("ip:10.0.0.7", "POST", "/leads", "k1", "fp")
    others = {
        upstream_key("ip:10.0.0.8", "POST", "/leads", "k1", "fp"),
        upstream_key("ip:10.0.0.7", "POST", "/leads/x/verify", "k1", "fp"),
        upstream_key("ip:10.0.0.7", "POST", "/leads", "k2", "fp"),
        upstream_key("ip:10.0.0.7", "POST", "/leads", "k1", "another body"),
    }
    assert key not in others
    assert len(others) == 4
    assert key != storage_key("", "ip:10.0.0.7", "POST", "/leads", "k1").split(":")[-1]


def test_replays_carry_the_headers_that_matter_and_the_marker() -> None:
    raw = [
        (b"Content-Type", b"application/json"),
        (b"location", b"/tenants/1"),
        (b"content-length", b"99"),
        (b"set-cookie", b"s=1"),
        (b"x-request-id", b"abc"),
    ]
    headers = kept_headers(raw)
    assert headers == (("content-type", "application/json"), ("location", "/tenants/1"))
    replayed = replay_headers(Completed("fp", 201, headers, b"{}"))
    assert (b"content-length", b"2") in replayed
    assert (b"idempotent-replayed", b"true") in replayed


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "headers": headers, "client": ("10.0.0.7", 5000)}


async def test_callers_are_verified_identities_credentials_or_addresses() -> None:
    async def verify(token: str) -> dict[str, Any]:
        if token != "good":
            raise ValueError("invalid token")
        return {"iss": "cp", "sub": "ada", "role": "admin"}

    verified = await caller_of(_scope([(b"authorization", b"Bearer good")]), verify, ())
    assert verified.startswith("jwt:")
    assert "ada" in verified
    forged = await caller_of(_scope([(b"authorization", b"Bearer forged")]), verify, ())
    code = await caller_of(_scope([(b"authorization", b"Bearer another")]), verify, ())
    assert forged.startswith("credential:")
    assert code.startswith("credential:")
    assert forged != code
    assert await caller_of(_scope([]), verify, ()) == "ip:10.0.0.7"


def test_an_answer_that_revealed_a_secret_is_kept_as_a_409_without_it() -> None:
    kept = secret_withheld("fp", 201, "/tenants/t/api-keys")

    assert (kept.fingerprint, kept.status) == ("fp", 409)
    assert kept.headers == (("content-type", "application/problem+json"),)
    problem = json.loads(kept.body)
    assert problem["type"].endswith("/secret-not-replayed")
    assert (problem["status"], problem["instance"]) == (409, "/tenants/t/api-keys")
    assert "succeeded (201)" in problem["detail"]
    assert decode(encode(kept)) == kept


def test_the_spec_gets_the_header_on_writes_only_once() -> None:
    problem = {"application/problem+json": {}}
    spec: dict[str, Any] = {
        "paths": {
            "/tenants": {
                "get": {"responses": {"200": {"description": "ok"}}},
                "post": {
                    "responses": {
                        "201": {"description": "ok"},
                        "409": {"description": "Key taken", "content": problem},
                    }
                },
            }
        }
    }
    add_idempotency_key(spec)
    add_idempotency_key(spec)
    post = spec["paths"]["/tenants"]["post"]
    assert [p["name"] for p in post["parameters"]] == ["Idempotency-Key"]
    assert post["responses"]["409"]["description"].startswith("Key taken; or: A request")
    assert post["responses"]["409"]["description"].count("; or:") == 1
    assert {"400", "409", "422", "503"} <= set(post["responses"])
    assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]
    assert "Idempotent-Replayed" not in post["responses"]["503"].get("headers", {})
    assert "parameters" not in spec["paths"]["/tenants"]["get"]
    assert "Problem" in spec["components"]["schemas"]
