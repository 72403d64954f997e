"""Sign-ins under way: what the callback must find again (state, nonce, PKCE verifier).

Kept server-side under the id in the login cookie, for LOGIN_SECONDS, and taken exactly once
(GETDEL): a callback replayed, or one from a sign-in this browser did not start, finds nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass

from redis.asyncio import Redis

from tenant_api.console.cookies import LOGIN_SECONDS
from tenant_api.console.sessions import call, digest, new_secret


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    verifier: str
    redirect_uri: str

    @classmethod
    def start(cls, redirect_uri: str) -> PendingLogin:
        return cls(new_secret(), new_secret(), new_secret(), redirect_uri)

    @property
    def challenge(self) -> str:
        """The verifier's S256 PKCE challenge (RFC 7636 §4.2)."""
        hashed = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(hashed).rstrip(b"=").decode()


class PendingLogins:
    def __init__(self, redis: Redis, key_prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{key_prefix}console:login:"

    async def put(self, login: PendingLogin) -> str:
        """Keep `login`; the id for the login cookie."""
        login_id = new_secret()
        raw = json.dumps(asdict(login))
        await call(self._redis.set(self._key(login_id), raw, ex=LOGIN_SECONDS))
        return login_id

    async def take(self, login_id: str) -> PendingLogin | None:
        raw = await call(self._redis.getdel(self._key(login_id)))
        if raw is None:
            return None
        try:
            return PendingLogin(**json.loads(raw))
        except (ValueError, TypeError):
            return None

    def _key(self, login_id: str) -> str:
        return self._prefix + digest(login_id)
