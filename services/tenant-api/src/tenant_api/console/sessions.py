"""Console sessions, server-side in Redis: the browser holds only a random id in an HttpOnly
cookie; the provider's tokens never leave the gateway.

The key is the id's SHA-256, so whoever reads Redis (a dump, a replica, a MONITOR) cannot
present a session. A session lives until its access token expires, and no longer than
CONSOLE_SESSION_SECONDS; each request still verifies the stored token as if it were a bearer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

T = TypeVar("T")
REDIS_TIMEOUT = 1.0  # seconds: a hung Redis must not hang the request behind it


class SessionStoreUnavailable(Exception):
    """Redis could not answer: nobody can be signed in or out right now."""


@dataclass(frozen=True)
class ConsoleSession:
    sub: str
    role: str
    access_token: str
    id_token: str
    csrf_token: str
    expires_at: int  # Unix seconds

    def csrf_matches(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf_token.encode())


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def call(awaitable: Awaitable[T]) -> T:
    try:
        return await asyncio.wait_for(awaitable, REDIS_TIMEOUT)
    except (RedisError, TimeoutError) as exc:
        raise SessionStoreUnavailable(repr(exc)) from exc


class ConsoleSessions:
    def __init__(self, redis: Redis, key_prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{key_prefix}console:session:"

    async def create(self, session: ConsoleSession, ttl_seconds: int) -> str:
        """Store `session`; its id (the cookie's value), known only to the browser."""
        session_id = new_secret()
        raw = json.dumps(asdict(session))
        await call(self._redis.set(self._key(session_id), raw, ex=ttl_seconds))
        return session_id

    async def get(self, session_id: str) -> ConsoleSession | None:
        raw = await call(self._redis.get(self._key(session_id)))
        if raw is None:
            return None
        try:
            return ConsoleSession(**json.loads(raw))
        except (ValueError, TypeError):
            return None  # a record of another version: as good as signed out

    async def delete(self, session_id: str) -> None:
        await call(self._redis.delete(self._key(session_id)))

    def _key(self, session_id: str) -> str:
        return self._prefix + digest(session_id)
