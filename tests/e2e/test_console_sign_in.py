"""Operators sign in to the console through a real OpenID provider, in a real browser: the
provider's own login page, a session held in an HttpOnly SameSite=Strict cookie, no token the
page's scripts could read, and a sign-out that ends the session. Development sign-in is marked
as such, and absent where it is off.

Only the gateway takes part, so it is served here alone, in-process on the run's own database,
broker and Redis, on a port known before it starts: the console's client is registered at the
provider with its redirect URI first.
"""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from service_kit.tokens import mint_token
from service_kit_testing import TestInfra, migrate_service, served
from service_kit_testing.identity import IdentityProvider
from tenant_api.app import create_app
from tenant_api.settings import TenantApiSettings

from . import test_console as console_tests
from .conftest import ROOT
from .test_console import VIEWPORT, heading, shot

pytestmark = pytest.mark.e2e
# The provider's pages ask Google for web fonts; the tests run offline.
FONTS = re.compile(r"^https://fonts\.(googleapis|gstatic)\.com/")
Console = Callable[..., AbstractAsyncContextManager[str]]
browser = console_tests.browser  # the same Chromium fixture as the console's other tests
NO_LEAD_VERIFIER = "http://127.0.0.1:9"  # nothing listens there; the console's pages need none


@pytest.fixture(scope="module")
async def migrated(infra: TestInfra) -> None:
    await migrate_service(ROOT / "services" / "tenant-api", infra)


@pytest.fixture
def console(infra: TestInfra, oidc_provider: IdentityProvider, migrated: None) -> Console:
    """`console(**settings)`: a gateway replica with the console's client registered at the
    provider; yields its base URL."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[str]:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        client = oidc_provider.register_client(
            redirect_uris=[f"{base}/console/callback"],
            post_logout_redirect_uris=[f"{base}/console"],
        )
        values: dict[str, Any] = {
            "lead_verifier_url": NO_LEAD_VERIFIER,
            "oidc_issuer": oidc_provider.issuer,
            "oidc_audience": oidc_provider.audience,
            "oidc_client_id": client["client_id"],
            "oidc_client_secret": client["client_secret"],
            **overrides,
        }
        settings: TenantApiSettings = infra.settings(TenantApiSettings, **values)
        async with served(create_app(settings), listener=listener) as url:
            assert url == base
            yield url

    return start


@asynccontextmanager
async def tab(browser: Browser, base: str) -> AsyncIterator[tuple[BrowserContext, Page]]:
    """A fresh browser context on `base`; a script error on any page fails the test."""
    context = await browser.new_context(base_url=base, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    await context.route(FONTS, lambda route: route.abort())
    page = await context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    try:
        yield context, page
    finally:
        await context.close()
    assert errors == [], errors


async def through_the_providers_pages(page: Page, user: str) -> None:
    """The provider's own development login (any password) and consent pages."""
    await page.locator("input[name=login]").fill(user)
    await page.locator("input[name=password]").fill("any")
    await page.locator("button[type=submit]").click()
    await page.locator("button[type=submit]").click()  # consent: "Continue"


async def test_an_operator_signs_in_at_the_provider_and_out_again(
    browser: Browser, console: Console, oidc_provider: IdentityProvider
) -> None:
    user = oidc_provider.add_account(f"ops-{uuid.uuid4().hex[:8]}", role="operator")
    async with console() as base, tab(browser, base) as (context, page):
        await page.goto("/console")
        await expect(heading(page)).to_have_text("Sign in to the console")
        provider = re.sub(r"^https?://", "", oidc_provider.issuer)
        sign_in = page.get_by_role("link", name=f"Sign in with {provider}")
        # Development sign-in is on here too (not production): offered, and marked as such.
        await expect(page.locator("#dev-banner")).to_be_visible()
        await expect(page.locator("#dev-banner")).to_contain_text("Development sign-in")
        await expect(page.locator(".dev-tag")).to_have_text("Development sign-in")
        await expect(page.get_by_label("Bearer token")).to_be_visible()
        await shot(page, "sign-in-provider-and-development")

        await sign_in.click()
        await expect(page).to_have_url(re.compile(f"^{re.escape(oidc_provider.issuer)}/"))
        await through_the_providers_pages(page, user)

        await expect(heading(page)).to_have_text("Tenants")
        await expect(page.locator("#who-role")).to_have_text("operator")
        await expect(page.locator("#who-subject")).to_have_text(user)
        await expect(page.locator("#dev-banner")).to_be_hidden()
        # The list loaded: the API answered the cookie (rows, or the empty state, no refusal).
        await expect(page.locator("table, .empty").first).to_be_visible()
        await expect(page.get_by_role("alert")).to_have_count(0)
        await shot(page, "signed-in-through-the-provider")

        cookies = {c["name"]: c for c in await context.cookies(base)}
        session = cookies["cp_console"]
        assert session["httpOnly"] is True
        assert session["sameSite"] == "Strict"
        assert session["path"] == "/"
        assert "cp_console_login" not in cookies  # spent by the callback
        kept = await page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]")
        assert kept == [0, 0, ""]  # nothing a script (or an injected one) could take

        await page.get_by_role("button", name="Sign out").click()
        # The provider's own sign-out page, then back to the console's sign-in.
        await expect(page).to_have_url(re.compile(f"^{re.escape(oidc_provider.issuer)}/"))
        await page.locator("button[name=logout][value=yes]").click()
        await expect(heading(page)).to_have_text("Sign in to the console")
        assert (await context.request.get(f"{base}/tenants")).status == 401
        again = {"Cookie": f"cp_console={session['value']}"}
        assert (await context.request.get(f"{base}/tenants", headers=again)).status == 401


async def test_a_pasted_token_stays_marked_as_development_sign_in(
    browser: Browser, console: Console, infra: TestInfra
) -> None:
    settings = infra.settings(TenantApiSettings)
    sub = f"dev-{uuid.uuid4().hex[:8]}"
    token = mint_token(settings, role="operator", sub=sub, ttl=timedelta(minutes=5))
    async with console() as base, tab(browser, base) as (context, page):
        await page.goto("/console")
        await page.get_by_label("Bearer token").fill(token)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await expect(heading(page)).to_have_text("Tenants")
        await expect(page.locator("#who-subject")).to_have_text(sub)
        # Signed in, the banner stays: this session is development sign-in, not the provider's.
        await expect(page.locator("#dev-banner")).to_be_visible()
        assert await page.evaluate("[sessionStorage.length, document.cookie]") == [1, ""]
        assert [c["name"] for c in await context.cookies(base)] == []
        await shot(page, "signed-in-for-development")

        await page.get_by_role("button", name="Sign out").click()
        await expect(heading(page)).to_have_text("Sign in to the console")
        assert await page.evaluate("sessionStorage.length") == 0


async def test_without_development_sign_in_only_the_provider_is_offered(
    browser: Browser, console: Console
) -> None:
    async with console(dev_sign_in=False) as base, tab(browser, base) as (_, page):
        await page.goto("/console")
        await expect(heading(page)).to_have_text("Sign in to the console")
        await expect(page.get_by_role("link", name=re.compile("^Sign in with "))).to_be_visible()
        await expect(page.get_by_label("Bearer token")).to_have_count(0)
        await expect(page.locator("#dev-banner")).to_be_hidden()
        await expect(page.locator(".dev-tag")).to_have_count(0)
        await shot(page, "sign-in-provider-only")


async def test_with_neither_sign_in_the_console_says_so(browser: Browser, console: Console) -> None:
    settings = {"oidc_issuer": None, "oidc_client_id": None, "dev_sign_in": False}
    async with console(**settings) as base, tab(browser, base) as (_, page):
        await page.goto("/console")
        await expect(page.get_by_role("alert")).to_contain_text("Sign-in is not configured")
        await expect(page.get_by_role("link", name=re.compile("^Sign in with "))).to_have_count(0)
        await expect(page.get_by_label("Bearer token")).to_have_count(0)
        await shot(page, "sign-in-not-configured")
