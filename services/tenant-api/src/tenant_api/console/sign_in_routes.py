"""Operators sign in to the console through the OpenID provider: `/console/login` starts the
code flow with PKCE, `/console/callback` finishes it into a server-side session, `/console/session`
tells the console's script who is signed in, `/console/logout` ends it.

Only an admin or an operator may hold a console session; their role is read from the provider's
access token by the same `decode_principal` every bearer caller goes through.
"""

from __future__ import annotations

import hmac
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from service_kit.problems import ProblemError, Unauthorized
from tenant_api.auth import decode_principal
from tenant_api.console import cookies
from tenant_api.console.credential import check_csrf, console_session
from tenant_api.console.logins import PendingLogin, PendingLogins
from tenant_api.console.pages import problem_page
from tenant_api.console.relying_party import (
    SignInFailed,
    authorization_url,
    exchange_code,
    verify_id_token,
)
from tenant_api.console.sessions import (
    ConsoleSession,
    ConsoleSessions,
    SessionStoreUnavailable,
    new_secret,
)
from tenant_api.domain.roles import Role
from tenant_api.identity.provider import OidcProvider, ProviderUnavailable
from tenant_api.runtime import Runtime
from tenant_api.web.runtime import RuntimeDep

router = APIRouter(tags=["console"], include_in_schema=False)
STAFF = (Role.ADMIN, Role.OPERATOR)
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/console/auth")
async def console_auth(runtime: RuntimeDep) -> JSONResponse:
    """How the console may be signed in to here (no secrets): provider, development sign-in."""
    s = runtime.settings
    oidc = _provider(runtime) is not None
    return JSONResponse(
        {
            "oidc": oidc,
            "devSignIn": s.development_sign_in,
            "issuer": s.oidc_issuer if oidc else None,
            "provider": urlsplit(s.oidc_issuer).netloc if oidc and s.oidc_issuer else None,
        },
        headers=NO_STORE,
    )


@router.get("/console/login")
async def console_login(request: Request, runtime: RuntimeDep) -> Response:
    """Start a sign-in at the provider (authorization code with PKCE)."""
    provider = _provider(runtime)
    if provider is None:
        return problem_page(
            404, "Sign-in through a provider is not set up", "Set OIDC_ISSUER and OIDC_CLIENT_ID."
        )
    s = runtime.settings
    login = PendingLogin.start(s.oidc_redirect_uri or str(request.url_for("console_callback")))
    try:
        target = await authorization_url(provider, s, login)
        login_id = await _logins(runtime).put(login)
    except ProviderUnavailable:
        return _provider_down(provider, retry="/console/login")
    except SessionStoreUnavailable:
        return _store_down()
    response = RedirectResponse(target, status_code=302, headers=NO_STORE)
    cookies.set_login(response, login_id, secure=cookies.secure(request, s))
    return response


@router.get("/console/callback")
async def console_callback(
    request: Request,
    runtime: RuntimeDep,
    state: str | None = None,
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    """The provider sends the operator back here: check, exchange, open a session."""
    s = runtime.settings
    secure = cookies.secure(request, s)
    provider = _provider(runtime)
    try:
        response = await _finish(request, runtime, provider, state, code, error, error_description)
    except SignInFailed as exc:
        response = problem_page(
            exc.status, exc.title, exc.detail, link="/console/login", link_text="Sign in again"
        )
    except ProviderUnavailable:
        assert provider is not None
        response = _provider_down(provider, retry="/console/login")
    except SessionStoreUnavailable:
        response = _store_down()
    except ProblemError as exc:  # from decode_principal: the access token itself was refused
        response = problem_page(exc.status, "You cannot use the console", str(exc.detail))
    cookies.clear_login(response, secure=secure)
    return response


async def _finish(
    request: Request,
    runtime: Runtime,
    provider: OidcProvider | None,
    state: str | None,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> Response:
    login_id = request.cookies.get(cookies.LOGIN_COOKIE)
    # Taken before anything else: whatever happens next, this sign-in cannot be finished twice.
    login = await _logins(runtime).take(login_id) if login_id else None
    if provider is None:
        raise SignInFailed("Sign-in through a provider is not set up", "Set OIDC_ISSUER.", 404)
    if error:
        detail = f"{error}: {error_description}" if error_description else error
        raise SignInFailed("The provider did not sign you in", detail[:300])
    if login is None or state is None or not _same(state, login.state):
        raise SignInFailed(
            "This sign-in cannot be finished",
            "It has expired, was already used, or was not started in this browser.",
        )
    if not code:
        raise SignInFailed("This sign-in cannot be finished", "The provider sent no code.")
    s = runtime.settings
    tokens = await exchange_code(provider, s, code, login)
    identity = await verify_id_token(provider, s, tokens["id_token"], login)
    verifier = runtime.deps.token_verifier
    access: str = tokens["access_token"]
    principal = await decode_principal(access, verifier)
    if principal.sub != str(identity["sub"]):
        raise SignInFailed("The provider's tokens disagree", "They name two different users.")
    if principal.role not in STAFF:
        return problem_page(
            403,
            "The console is for operators",
            f"You are signed in as {principal.sub}, whose role ({principal.role.value}) may not"
            " use the console. Ask for the operator or admin role.",
        )
    expires_at = int((await verifier.claims(access))["exp"])
    ttl = min(expires_at - int(time.time()), s.console_session_seconds)
    if ttl <= 0:
        raise SignInFailed("The provider's token has already expired", "Sign in again.", 401)
    session = ConsoleSession(
        sub=principal.sub,
        role=principal.role.value,
        access_token=access,
        id_token=tokens["id_token"],
        csrf_token=new_secret(),
        expires_at=int(time.time()) + ttl,
    )
    session_id = await _sessions(runtime).create(session, ttl)
    response = RedirectResponse("/console", status_code=303, headers=NO_STORE)
    cookies.set_session(response, session_id, max_age=ttl, secure=cookies.secure(request, s))
    return response


@router.get("/console/session")
async def console_session_info(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Who the console session belongs to, and its CSRF token (401 without a session)."""
    found = await console_session(request, _sessions(runtime))
    if found is None:
        raise Unauthorized("No console session: sign in.")
    principal = await decode_principal(found.session.access_token, runtime.deps.token_verifier)
    return JSONResponse(
        {
            "sub": principal.sub,
            "role": principal.role.value,
            "csrfToken": found.session.csrf_token,
            "expiresAt": found.session.expires_at,
            "mode": "oidc",
        },
        headers=NO_STORE,
    )


@router.post("/console/logout")
async def console_logout(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """End the console session; where to go to end the provider's session too, if anywhere."""
    s = runtime.settings
    found = await console_session(request, _sessions(runtime))
    end_session_url = None
    if found is not None:
        check_csrf(request, found.session)
        await _sessions(runtime).delete(found.session_id)
        end_session_url = await _end_session_url(request, runtime, found.session)
    response = JSONResponse({"endSessionUrl": end_session_url}, headers=NO_STORE)
    cookies.clear_session(response, secure=cookies.secure(request, s))
    return response


async def _end_session_url(
    request: Request, runtime: Runtime, session: ConsoleSession
) -> str | None:
    provider = _provider(runtime)
    if provider is None:
        return None
    try:
        endpoint = (await provider.metadata()).get("end_session_endpoint")
    except ProviderUnavailable:
        return None  # signed out here; the provider's own session ends when it expires
    if not isinstance(endpoint, str) or not endpoint:
        return None
    query: dict[str, Any] = {
        "id_token_hint": session.id_token,
        "post_logout_redirect_uri": _console_url(request, runtime),
        "client_id": runtime.settings.oidc_client_id,
    }
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


def _console_url(request: Request, runtime: Runtime) -> str:
    configured = runtime.settings.oidc_redirect_uri
    if configured:
        parts = urlsplit(configured)
        return f"{parts.scheme}://{parts.netloc}/console"
    return str(request.url_for("console_shell"))


def _provider(runtime: Runtime) -> OidcProvider | None:
    if not runtime.settings.oidc_client_id:
        return None
    return runtime.deps.token_verifier.provider


def _logins(runtime: Runtime) -> PendingLogins:
    return PendingLogins(runtime.redis, runtime.settings.redis_key_prefix)


def _sessions(runtime: Runtime) -> ConsoleSessions:
    return ConsoleSessions(runtime.redis, runtime.settings.redis_key_prefix)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _provider_down(provider: OidcProvider, *, retry: str) -> Response:
    return problem_page(
        503,
        "The identity provider is not answering",
        f"{provider.issuer} could not be reached to sign you in. Retry in a moment.",
        link=retry,
        link_text="Retry",
        headers={"Retry-After": "5"},
    )


def _store_down() -> Response:
    return problem_page(
        503,
        "Sign-in is unavailable",
        "Console sessions cannot be stored right now. Retry in a moment.",
        link="/console/login",
        link_text="Retry",
        headers={"Retry-After": "5"},
    )
