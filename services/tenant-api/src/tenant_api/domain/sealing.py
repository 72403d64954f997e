"""A tenant's credentials sealed under its data key, bound to tenant and provider. No I/O."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tenant_api.domain.keyring import NONCE_BYTES, CredentialUnreadable


def seal(data_key: bytes, values: Mapping[str, str], *, tenant_id: UUID, provider: str) -> bytes:
    """nonce + AES-GCM(JSON of the values), associated data `{tenant_id}:{provider}`."""
    nonce = os.urandom(NONCE_BYTES)
    plaintext = json.dumps(dict(values), separators=(",", ":")).encode()
    return nonce + AESGCM(data_key).encrypt(nonce, plaintext, _binding(tenant_id, provider))


def open_sealed(
    data_key: bytes, sealed: bytes, *, tenant_id: UUID, provider: str
) -> dict[str, str]:
    """The values; a ciphertext altered or copied from another tenant or provider does not open."""
    try:
        plaintext = AESGCM(data_key).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _binding(tenant_id, provider)
        )
    except (InvalidTag, ValueError) as exc:
        raise CredentialUnreadable("the sealed credential does not open") from exc
    try:
        values = json.loads(plaintext)
    except ValueError as exc:
        raise CredentialUnreadable("the sealed credential is not JSON") from exc
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise CredentialUnreadable("the sealed credential is not an object of strings")
    return values


def _binding(tenant_id: UUID, provider: str) -> bytes:
    return f"{tenant_id}:{provider}".encode()
