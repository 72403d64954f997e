"""Whether the server would take a password for a role: checked against the verifier
PostgreSQL stores for it, since the test servers' `pg_hba.conf` may trust every local login
(then a wrong password still connects, and refusing one proves nothing)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import asyncpg


async def server_accepts_password(dsn: str, role: str, password: str) -> bool:
    """True if the role's stored SCRAM-SHA-256 verifier matches the password (a superuser's
    `dsn` reads `pg_authid`)."""
    conn = await asyncpg.connect(dsn)
    try:
        verifier = await conn.fetchval("SELECT rolpassword FROM pg_authid WHERE rolname = $1", role)
    finally:
        await conn.close()
    if verifier is None:
        return False
    method, _, rest = str(verifier).partition("$")
    assert method == "SCRAM-SHA-256", f"unexpected password encryption {method!r}"
    iterations_salt, _, keys = rest.partition("$")
    iterations, _, salt = iterations_salt.partition(":")
    stored_key = keys.partition(":")[0]
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), base64.b64decode(stored_key))
