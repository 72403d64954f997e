"""The caller's Idempotency-Key as lead-verifier keeps it: a digest of fixed length."""

from __future__ import annotations

import hashlib

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def key_digest(key: str | None) -> str | None:
    """sha256 of the key, or None without one (or with an empty one)."""
    if not key:
        return None
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
