"""Verification codes: random, stored as a hash, single-use, expiring, attempt-limited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
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


@dataclass
class CodeState:
    """What is stored of a code; `check` decides whether a presented code is accepted."""

    digest: str
    expires_at: datetime
    attempts: int
    used_at: datetime | None

    def check(self, presented: str, now: datetime, max_attempts: int) -> Rejection | None:
        """None if accepted (and now used); otherwise why not. Mutates attempts/used_at."""
        if self.used_at is not None:
            return Rejection.USED
        if self.attempts >= max_attempts:
            return Rejection.LOCKED
        if now >= self.expires_at:
            return Rejection.EXPIRED
        if not hmac.compare_digest(self.digest, digest(presented)):
            self.attempts += 1
            return Rejection.MISMATCH
        self.used_at = now
        return None
