"""Only RS256 signing keys are taken from a JWK set; anything else is skipped, never used."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tenant_api.adapters.jwks import rsa_signing_keys


def rsa_jwk(kid: str, **extra: Any) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    entry: dict[str, Any] = RSAAlgorithm.to_jwk(key, as_dict=True)
    return {**entry, "kid": kid, **extra}


def test_rs256_signing_keys_are_kept_by_kid() -> None:
    keys = rsa_signing_keys({"keys": [rsa_jwk("a", use="sig", alg="RS256"), rsa_jwk("b")]})
    assert sorted(keys) == ["a", "b"]
    assert all(isinstance(k, rsa.RSAPublicKey) for k in keys.values())


def test_shared_secrets_other_uses_other_algorithms_and_broken_keys_are_skipped() -> None:
    secret = base64.urlsafe_b64encode(b"s" * 32).decode().rstrip("=")
    document = {
        "keys": [
            {"kty": "oct", "kid": "hmac", "k": secret},
            rsa_jwk("enc", use="enc"),
            rsa_jwk("ps", alg="PS256"),
            rsa_jwk(""),
            {"kty": "RSA", "kid": "broken", "n": "AA", "e": "?"},
            "not an object",
            rsa_jwk("good"),
        ]
    }
    assert list(rsa_signing_keys(document)) == ["good"]


@pytest.mark.parametrize("document", [{}, {"keys": "x"}, [], "keys"])
def test_a_document_that_is_not_a_key_set_is_refused(document: Any) -> None:
    with pytest.raises(ValueError, match="not a JWK set"):
        rsa_signing_keys(document)
