"""The console session as an API credential: found by its cookie, CSRF-checked on writes.

A browser sends the cookie with every same-site request on its own, so a request that changes
something must also prove it was written by the console's script: `X-CSRF-Token` equal to the
session's token, which only a page of this origin can read (from `GET /console/session`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from service_kit.problems import Forbidden, ServiceUnavailable
from tenant_api.console.cookies import SESSION_COOKIE
from tenant_api.console.sessions import ConsoleSession, ConsoleSessions, SessionStoreUnavailable

CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class SessionCredential:
    session_id: str
    session: ConsoleSession


async def console_session(request: Request, sessions: ConsoleSessions) -> SessionCredential | None:
    """The session the request's cookie names, if it is still there."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    try:
        session = await sessions.get(session_id)
    except SessionStoreUnavailable as exc:
        raise ServiceUnavailable(
            "Console sessions cannot be read right now; retry shortly.",
            headers={"Retry-After": "5"},
        ) from exc
    return SessionCredential(session_id, session) if session is not None else None


def check_csrf(request: Request, session: ConsoleSession) -> None:
    if request.method in SAFE_METHODS:
        return
    if not session.csrf_matches(request.headers.get(CSRF_HEADER)):
        raise Forbidden(f"A console session's write needs the session's `{CSRF_HEADER}` header.")
