"""The console's two cookies: a pending sign-in (Lax, it must survive the provider's redirect
back) and the session (Strict: no other site can make the browser send it)."""

from __future__ import annotations

from fastapi import Request, Response

from tenant_api.settings import TenantApiSettings

LOGIN_COOKIE = "cp_console_login"
SESSION_COOKIE = "cp_console"
LOGIN_SECONDS = 600


def secure(request: Request, settings: TenantApiSettings) -> bool:
    """Secure whenever the browser reaches us over https: the request says so, or a proxy in
    front terminates TLS (production, or an https OIDC_REDIRECT_URI)."""
    return (
        request.url.scheme == "https"
        or settings.environment == "production"
        or (settings.oidc_redirect_uri or "").startswith("https://")
    )


def set_login(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        value,
        max_age=LOGIN_SECONDS,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def clear_login(response: Response, *, secure: bool) -> None:
    response.delete_cookie(
        LOGIN_COOKIE, path="/console", httponly=True, samesite="lax", secure=secure
    )


def set_session(response: Response, value: str, *, max_age: int, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def clear_session(response: Response, *, secure: bool) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure
    )
