"""AES-GCM for what the provisioner must keep secret at rest (silo roles' passwords)."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SecretBox:
    def __init__(self, key_b64: str) -> None:
        key = base64.b64decode(key_b64)
        if len(key) != 32:
            raise ValueError("TENANT_SECRETS_KEY must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, *, bound_to: str) -> str:
        """Ciphertext (base64) that only opens with the same `bound_to` (associated data)."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), bound_to.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, token: str, *, bound_to: str) -> str:
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
