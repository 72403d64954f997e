"""API keys as text: minted in the agreed shape, told apart from any other text, digested."""

from __future__ import annotations

import hashlib

import pytest

from service_kit import api_keys


def test_a_minted_key_has_its_public_id_and_a_32_byte_secret() -> None:
    key = api_keys.mint()

    assert key.plaintext == f"cpk_{key.public_id}_{key.secret}"
    assert len(key.public_id) == 12
    assert set(key.public_id) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert len(key.secret) == 43  # 32 bytes, url-safe base64 without padding
    assert len(key.plaintext) == api_keys.MAX_LENGTH
    assert api_keys.public_id_of(key.plaintext) == key.public_id
    assert key.digest == hashlib.sha256(key.plaintext.encode()).hexdigest()


def test_keys_are_unique() -> None:
    minted = [api_keys.mint() for _ in range(500)]

    assert len({k.public_id for k in minted}) == len({k.plaintext for k in minted}) == 500


@pytest.mark.parametrize(
    "text",
    [
        "",
        "cp_acme_" + "x" * 43,  # the old initial keys' shape
        "cpk_",
        "cpk_abcdefghijkl",
        "cpk_abcdefghijkl_short",
        "cpk_ABCDEFGHIJKL_" + "a" * 43,  # upper case public id
        "cpk_abcdefghijk1_" + "a" * 43,  # `1` is not base32
        "cpk_abcdefghijkl_" + "a" * 44,
        "cpk_abcdefghijkl_" + "a" * 42 + "=",
        "xcpk_abcdefghijkl_" + "a" * 43,
    ],
)
def test_other_text_has_no_public_id(text: str) -> None:
    assert api_keys.public_id_of(text) is None


def test_a_secret_may_hold_underscores() -> None:
    key = "cpk_abcdefghijkl_" + "_-" * 21 + "a"

    assert api_keys.public_id_of(key) == "abcdefghijkl"


def test_only_the_same_key_matches_its_digest() -> None:
    key = api_keys.mint()
    other = api_keys.mint()

    assert api_keys.matches(key.plaintext, key.digest)
    assert not api_keys.matches(other.plaintext, key.digest)
    # One character changed (a fixed "A" would be no change for the 1 key in 64 that ends in it).
    changed = "B" if key.plaintext.endswith("A") else "A"
    assert not api_keys.matches(key.plaintext[:-1] + changed, key.digest)
