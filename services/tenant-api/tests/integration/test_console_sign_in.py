"""Operators sign in to the console through a real OpenID provider (oidc-provider under Node):
the code flow with PKCE into a server-side session held by an HttpOnly cookie, the cookie as an
API credential with CSRF checks on writes, sign-out, and what goes wrong, each answered clearly.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from redis.asyncio import Redis

from service_kit_testing import TestInfra
from service_kit_testing.identity import IdentityProvider
from tenant_api.settings import TenantApiSettings

from ..gateway import assert_problem, bearer, gateway, gateway_settings, unique_key  # type: ignore[import-not-found]

GATEWAY = "http://gateway"  # the in-process client's base URL: what the browser would see
CALLBACK = f"{GATEWAY}/console/callback"
DEAD_ISSUER = "http://127.0.0.1:9"  # nothing listens on port 9


@dataclass(frozen=True)
class Console:
    """A registered console client, and settings for a gateway that uses it."""

    client_id: str
    settings: Callable[..., TenantApiSettings]


@pytest.fixture(scope="module")
def console_client(oidc_provider: IdentityProvider) -> dict[str, Any]:
    return oidc_provider.register_client(
        redirect_uris=[CALLBACK], post_logout_redirect_uris=[f"{GATEWAY}/console"]
    )


@pytest.fixture
def console(
    infra: TestInfra,
    oidc_provider: IdentityProvider,
    console_client: dict[str, Any],
    migrated: None,
) -> Console:
    def make(**overrides: Any) -> TenantApiSettings:
        values: dict[str, Any] = {
            "oidc_issuer": oidc_provider.issuer,
            "oidc_audience": oidc_provider.audience,
            "oidc_client_id": console_client["client_id"],
            "oidc_client_secret": console_client["client_secret"],
            "auth_api_max_requests": 100_000,
            **overrides,
        }
        return gateway_settings(infra, **values)

    return Console(console_client["client_id"], make)


@pytest.fixture
async def browser(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in-process, and a client that keeps cookies as a browser does."""
    async with gateway(console.settings()) as client:
        yield client


def operator(provider: IdentityProvider, role: str = "operator", **claims: Any) -> str:
    return provider.add_account(f"{role}-{uuid.uuid4().hex[:8]}", role=role, **claims)


async def to_callback(
    browser: httpx.AsyncClient, provider: IdentityProvider, user: str
) -> tuple[str, str]:
    """`/console/login`, then the user through the provider's own login and consent pages:
    (the callback address the provider sends the browser to, the login cookie)."""
    started = await browser.get("/console/login")
    assert started.status_code == 302, started.text
    login_cookie = browser.cookies["cp_console_login"]
    with httpx.Client(timeout=10) as http:
        landing = await asyncio.to_thread(
            provider.walk_forms, http, started.headers["location"], user, stop_at=CALLBACK
        )
    return landing, login_cookie


def cookie(name: str, value: str) -> dict[str, str]:
    """A cookie sent as a browser that kept it would send it (the client's jar set aside)."""
    return {"Cookie": f"{name}={value}"}


def relative(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def sign_in(browser: httpx.AsyncClient, provider: IdentityProvider, user: str) -> str:
    """A whole sign-in; the session cookie's value."""
    landing, _ = await to_callback(browser, provider, user)
    finished = await browser.get(relative(landing))
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == "/console"
    return browser.cookies["cp_console"]


async def test_an_operator_signs_in_and_the_cookie_is_the_credential(
    browser: httpx.AsyncClient,
    oidc_provider: IdentityProvider,
    console: Console,
    redis: Redis,
) -> None:
    started = await browser.get("/console/login")
    assert started.status_code == 302
    target = urlsplit(started.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert (
        f"{target.scheme}://{target.netloc}{target.path}"
        == (oidc_provider.discovery()["authorization_endpoint"])
    )
    assert query["client_id"] == console.client_id
    assert query["redirect_uri"] == CALLBACK
    assert query["code_challenge_method"] == "S256"
    assert query["response_type"] == "code"
    assert {"state", "nonce", "code_challenge"} <= query.keys()
    login_cookie = started.headers["set-cookie"]
    assert "cp_console_login=" in login_cookie
    assert "HttpOnly" in login_cookie
    assert "Path=/console" in login_cookie
    assert "SameSite=lax" in login_cookie
    assert "Secure" not in login_cookie  # plain http on a development machine

    user = operator(oidc_provider)
    with httpx.Client(timeout=10) as http:
        landing = await asyncio.to_thread(
            oidc_provider.walk_forms, http, started.headers["location"], user, stop_at=CALLBACK
        )
    finished = await browser.get(relative(landing))
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == "/console"
    assert finished.headers["cache-control"] == "no-store"
    session_cookie = next(
        c for c in finished.headers.get_list("set-cookie") if c.startswith("cp_console=")
    )
    for attribute in ("HttpOnly", "Path=/", "SameSite=strict"):
        assert attribute in session_cookie
    session_id = browser.cookies["cp_console"]
    assert "cp_console_login" not in browser.cookies  # used up

    me = await browser.get("/console/session")
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["sub"] == user
    assert body["role"] == "operator"
    assert body["mode"] == "oidc"
    assert len(body["csrfToken"]) >= 32
    assert set(body) == {"sub", "role", "csrfToken", "expiresAt", "mode"}  # no token in it
    assert me.headers["cache-control"] == "no-store"

    listed = await browser.get("/tenants")
    assert listed.status_code == 200, listed.text
    assert listed.headers["cache-control"] == "no-store"

    # Redis holds the session under the id's hash only: reading Redis is not signing in.
    prefix = console.settings().redis_key_prefix
    digest = hashlib.sha256(session_id.encode()).hexdigest()
    assert await redis.exists(f"{prefix}console:session:{digest}") == 1
    assert await redis.exists(f"{prefix}console:session:{session_id}") == 0
    ttl = await redis.ttl(f"{prefix}console:session:{digest}")
    assert 3500 < ttl <= 3600  # the provider's access tokens live an hour


async def test_the_session_never_outlives_console_session_seconds(
    console: Console, oidc_provider: IdentityProvider, redis: Redis
) -> None:
    async with gateway(console.settings(console_session_seconds=120)) as browser:
        session_id = await sign_in(browser, oidc_provider, operator(oidc_provider))
        digest = hashlib.sha256(session_id.encode()).hexdigest()
        ttl = await redis.ttl(f"{console.settings().redis_key_prefix}console:session:{digest}")
        assert 0 < ttl <= 120


async def test_a_callback_with_another_state_or_replayed_is_refused(
    browser: httpx.AsyncClient, oidc_provider: IdentityProvider
) -> None:
    landing, login_cookie = await to_callback(browser, oidc_provider, operator(oidc_provider))
    query = parse_qs(urlsplit(landing).query)
    forged = urlencode({"code": query["code"][0], "state": "not-the-state"})
    refused = await browser.get(f"/console/callback?{forged}")
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    assert "This sign-in cannot be finished" in refused.text
    assert "cp_console" not in browser.cookies
    # The state is single use: the mismatch spent it, the right state cannot finish it now.
    late = await browser.get(relative(landing), headers=cookie("cp_console_login", login_cookie))
    assert late.status_code == 400
    assert "already used" in late.text

    # A whole sign-in, then its callback again with the same login cookie.
    landing, login_cookie = await to_callback(browser, oidc_provider, operator(oidc_provider))
    assert (await browser.get(relative(landing))).status_code == 303
    replayed = await browser.get(
        relative(landing), headers=cookie("cp_console_login", login_cookie)
    )
    assert replayed.status_code == 400
    assert "This sign-in cannot be finished" in replayed.text


async def test_a_callback_without_the_login_cookie_is_refused(
    browser: httpx.AsyncClient, oidc_provider: IdentityProvider
) -> None:
    landing, _ = await to_callback(browser, oidc_provider, operator(oidc_provider))
    browser.cookies.clear()  # another browser: the one an attacker lured here
    refused = await browser.get(relative(landing))
    assert refused.status_code == 400
    assert "not started in this browser" in refused.text
    assert (await browser.get("/console/session")).status_code == 401


async def test_the_providers_error_is_shown_plainly(browser: httpx.AsyncClient) -> None:
    await browser.get("/console/login")
    answer = await browser.get(
        "/console/callback",
        params={"error": "access_denied", "error_description": "<b>no</b> consent"},
    )
    assert answer.status_code == 400
    assert "The provider did not sign you in" in answer.text
    assert "access_denied: &lt;b&gt;no&lt;/b&gt; consent" in answer.text  # escaped, not markup
    assert 'href="/console/login"' in answer.text


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        (
            {"role": "tenant", "tenant_id": "6b1f6c51-5cf6-4f25-a53b-0c3cf43b1a54"},
            "whose role (tenant) may not use the console",
        ),
        ({"role": "lead"}, "names no role of this control plane"),
    ],
    ids=["tenant user", "no role of ours"],
)
async def test_a_user_without_a_staff_role_gets_a_403_page_and_no_session(
    browser: httpx.AsyncClient, oidc_provider: IdentityProvider, claims: dict[str, Any], says: str
) -> None:
    user = oidc_provider.add_account(f"user-{uuid.uuid4().hex[:8]}", **claims)
    landing, _ = await to_callback(browser, oidc_provider, user)
    refused = await browser.get(relative(landing))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert says in refused.text
    assert "cp_console" not in browser.cookies
    assert (await browser.get("/console/session")).status_code == 401


async def test_writes_with_the_cookie_need_the_sessions_csrf_token(
    browser: httpx.AsyncClient, oidc_provider: IdentityProvider
) -> None:
    await sign_in(browser, oidc_provider, operator(oidc_provider, role="admin"))
    csrf = (await browser.get("/console/session")).json()["csrfToken"]
    before = (await browser.get("/tenants/count")).json()
    body = {
        "key": unique_key("c"),
        "name": "Initech",
        "domains": ["initech.example"],
        "tier": "pooled",
        "contact": {"firstName": "Bill", "lastName": "Lumbergh", "email": "bill@initech.example"},
    }
    for headers in ({}, {"X-CSRF-Token": "x" * 43}, {"X-CSRF-Token": ""}):
        refused = await browser.post("/tenants", json=body, headers=headers)
        assert "X-CSRF-Token" in assert_problem(refused, 403)["detail"]
    assert (await browser.get("/tenants/count")).json() == before  # nothing was created

    created = await browser.post("/tenants", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    assert created.json()["key"] == body["key"]


async def test_a_bearer_request_is_unaffected_by_the_cookie(
    browser: httpx.AsyncClient, oidc_provider: IdentityProvider, console_client: dict[str, Any]
) -> None:
    await sign_in(browser, oidc_provider, operator(oidc_provider))
    # Another caller's bearer token decides, cookie or not: an admin may write without CSRF.
    admin = oidc_provider.sign_in(
        client_id=console_client["client_id"],
        client_secret=console_client["client_secret"],
        redirect_uri=CALLBACK,
        user=operator(oidc_provider, role="admin"),
    )["access_token"]
    suspended = await browser.post(f"/tenants/{uuid.uuid4()}/suspend", headers=bearer(admin))
    assert_problem(suspended, 404)  # past auth and CSRF: the tenant does not exist
    # A broken bearer is refused even with a good cookie beside it.
    assert_problem(await browser.get("/tenants", headers=bearer("nonsense")), 401)


async def test_sign_out_ends_the_session_here_and_points_at_the_providers(
    browser: httpx.AsyncClient, oidc_provider: IdentityProvider, console: Console
) -> None:
    session_id = await sign_in(browser, oidc_provider, operator(oidc_provider))
    csrf = (await browser.get("/console/session")).json()["csrfToken"]

    assert_problem(await browser.post("/console/logout"), 403)
    assert (await browser.get("/tenants")).status_code == 200  # still signed in

    out = await browser.post("/console/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200, out.text
    cleared = out.headers["set-cookie"]
    assert cleared.startswith('cp_console=""')
    assert "Max-Age=0" in cleared
    end = urlsplit(out.json()["endSessionUrl"])
    assert (
        f"{end.scheme}://{end.netloc}{end.path}"
        == (oidc_provider.discovery()["end_session_endpoint"])
    )
    query = {k: v[0] for k, v in parse_qs(end.query).items()}
    assert query["post_logout_redirect_uri"] == f"{GATEWAY}/console"
    assert query["client_id"] == console.client_id
    assert query["id_token_hint"].count(".") == 2

    # The old cookie, presented again, names nothing.
    again = cookie("cp_console", session_id)
    assert_problem(await browser.get("/console/session", headers=again), 401)
    assert_problem(await browser.get("/tenants", headers=again), 401)


async def test_a_provider_that_does_not_answer_is_a_503_page(console: Console) -> None:
    async with gateway(console.settings(oidc_issuer=DEAD_ISSUER)) as browser:
        answer = await browser.get("/console/login")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["retry-after"] == "5"
    assert DEAD_ISSUER in answer.text
    assert "Retry" in answer.text
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"oidc": True, "devSignIn": True}),
        ({"dev_sign_in": False}, {"oidc": True, "devSignIn": False}),
        (
            {"oidc_issuer": None, "oidc_client_id": None, "oidc_client_secret": None},
            {"oidc": False, "devSignIn": True, "issuer": None},
        ),
        (
            {"oidc_issuer": None, "oidc_client_id": None, "dev_sign_in": False},
            {"oidc": False, "devSignIn": False, "issuer": None},
        ),
    ],
    ids=["provider and development", "provider only", "development only", "neither"],
)
async def test_the_console_learns_how_to_sign_in_here(
    console: Console,
    oidc_provider: IdentityProvider,
    overrides: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    async with gateway(console.settings(**overrides)) as client:
        answer = await client.get("/console/auth")
        login = await client.get("/console/login")
    assert answer.status_code == 200
    body = answer.json()
    assert body.items() >= expected.items()
    if body["oidc"]:
        assert body["issuer"] == oidc_provider.issuer
        assert body["provider"] == urlsplit(oidc_provider.issuer).netloc
        assert login.status_code == 302
    else:
        assert login.status_code == 404
        assert "not set up" in login.text
    assert "secret" not in answer.text.lower()
