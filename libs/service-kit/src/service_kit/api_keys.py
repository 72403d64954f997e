"""The tenants' API keys as text: `cpk_<publicId>_<secret>`, made by the provisioner (the initial
key) and by tenant-api (every other), verified by tenant-api. No I/O.

The public id (12 lowercase base32 characters, 60 random bits) is the lookup id, safe to show
and log. The secret is 32 random bytes, url-safe base64. Only `digest(key)` is stored: the
secret is high-entropy, so a plain SHA-256 is enough (nothing to slow down a guess of 256
bits), and a lookup costs microseconds instead of a slow hash's tens of milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "cpk_"
PUBLIC_ID_LENGTH = 12
SECRET_BYTES = 32
# Everything after the prefix: the public id, `_`, the secret (43 url-safe characters, which
# may themselves hold `_` or `-`).
_SHAPE = re.compile(rf"([a-z2-7]{{{PUBLIC_ID_LENGTH}}})_([A-Za-z0-9_-]{{43}})")
MAX_LENGTH = len(PREFIX) + PUBLIC_ID_LENGTH + 1 + 43


@dataclass(frozen=True)
class MintedKey:
    """A new key: `plaintext` is shown once, `digest` is what is kept."""

    public_id: str
    plaintext: str

    @property
    def digest(self) -> str:
        return digest(self.plaintext)

    @property
    def secret(self) -> str:
        return self.plaintext[len(PREFIX) + PUBLIC_ID_LENGTH + 1 :]


def mint() -> MintedKey:
    public_id = base64.b32encode(secrets.token_bytes(8)).decode().lower()[:PUBLIC_ID_LENGTH]
    plaintext = f"{PREFIX}{public_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return MintedKey(public_id, plaintext)


def public_id_of(key: str) -> str | None:
    """The key's public id, or None when the text is not a key of this shape at all."""
    if not key.startswith(PREFIX):
        return None
    shape = _SHAPE.fullmatch(key, len(PREFIX))
    return shape.group(1) if shape else None


def digest(key: str) -> str:
    """SHA-256 of the whole key, hex: the only form of it ever stored."""
    return hashlib.sha256(key.encode()).hexdigest()


def matches(key: str, stored_digest: str) -> bool:
    """Whether `key` is the one whose digest was stored; constant time in the digest."""
    return hmac.compare_digest(digest(key), stored_digest)
