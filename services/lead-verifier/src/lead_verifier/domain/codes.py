"""Verification codes: random, stored as a hash, single-use, expiring, attempt-limited.

Single use has one exception, for a client whose answer was lost on the way (a gateway timeout):
the request that used the code, sent again with the same code under the same idempotency key,
answers as it did, while the token it was given lives. Anyone else presenting the used code, a
leaked link included, is refused as before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Rejection(StrEnum):
    MISMATCH = "mismatch"
    EXPIRED = "expired"
    USED = "used"
    LOCKED = "locked"


@dataclass(frozen=True)
class IssuedCode:
    plaintext: str
    digest: str
    expires_at: datetime


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue_code(now: datetime, ttl: timedelta) -> IssuedCode:
    code = secrets.token_urlsafe(24)
    return IssuedCode(plaintext=code, digest=digest(code), expires_at=now + ttl)


@dataclass(frozen=True)
class CodeState:
    """What is stored of a code; `check` decides whether a presented code is accepted."""

    digest: str
    expires_at: datetime
    attempts: int
    used_at: datetime | None
    used_with_key: str | None = None  # digest of the idempotency key of the request that used it

    def check(
        self, presented: str, now: datetime, max_attempts: int, key: str | None = None
    ) -> tuple[CodeState, Rejection | None]:
        """The code's state after this attempt, and None if accepted (now used, under `key`),
        otherwise why not. A wrong code counts an attempt; a refused one changes nothing else."""
        if self.used_at is not None:
            return self, Rejection.USED
        if self.attempts >= max_attempts:
            return self, Rejection.LOCKED
        if now >= self.expires_at:
            return self, Rejection.EXPIRED
        if not hmac.compare_digest(self.digest, digest(presented)):
            return replace(self, attempts=self.attempts + 1), Rejection.MISMATCH
        return replace(self, used_at=now, used_with_key=key), None

    def repeats_use(
        self, presented: str, key: str | None, now: datetime, window: timedelta
    ) -> bool:
        """Whether this is the request that used the code, again: the same code under the same
        key, within `window` of its use. Changes nothing; every other used-code request is USED."""
        if self.used_at is None or self.used_with_key is None or key is None:
            return False
        if now >= self.used_at + window:
            return False
        same_key = hmac.compare_digest(self.used_with_key, key)
        return same_key and hmac.compare_digest(self.digest, digest(presented))
