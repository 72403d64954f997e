"""The operator console in a real browser (the system's Chromium) against the running stack.

Each test signs in as an operator and looks where an operator would: the tenants list and a
tenant's live pipeline, the leads with their counts, the dead-letter parking lot with replay and
discard. A script error or
a Content-Security-Policy violation on any page fails the test. Screenshots of every page go
to test-artifacts/console/.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from service_kit_testing import TestInfra

from .conftest import ARTIFACTS, Stack
from .saga_client import (
    active_tenant,
    new_tenant,
    provision,
    publish_to_queue,
    set_fault,
    settle,
    token_for,
)

pytestmark = pytest.mark.e2e
SHOTS = ARTIFACTS / "console"
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEPS = ["preflight", "database", "identity", "credentials", "infrastructure", "billing"]
# Records every text the polite live region takes, so a test can read what was announced.
RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const live = document.getElementById("live");
  new MutationObserver(() => window.announced.push(live.textContent))
    .observe(live, { childList: true, characterData: true, subtree: true });
}"""


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser, stack: Stack) -> AsyncIterator[Page]:
    """A fresh context (own sessionStorage) per test; fails the test on script or CSP errors."""
    context = await browser.new_context(base_url=stack.gateway, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    tab = await context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # 4xx answers are logged as failed loads; the console shows those on purpose.
        if message.type == "error" and "Failed to load resource" not in message.text:
            errors.append(message.text)

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    try:
        yield tab
    finally:
        await context.close()
    assert errors == [], errors


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SHOTS / f"{name}.png")


def heading(page: Page) -> Any:
    return page.get_by_role("heading", level=1)


async def sign_in(page: Page, infra: TestInfra, role: str = "operator") -> None:
    await page.goto("/console")
    await page.get_by_label("Bearer token").fill(token_for(infra, role))
    await page.get_by_role("button", name="Sign in").click()
    await expect(heading(page)).to_have_text("Tenants")


async def open_tenant(page: Page, tenant: dict[str, Any]) -> None:
    """The tenant's page, reached in the page itself (no reload), once it shows the tenant."""
    await page.evaluate(f"location.hash = '#/tenants/{tenant['id']}'")
    await expect(heading(page)).to_have_text(tenant["name"])


async def test_sign_in_with_the_keyboard_only(page: Page, infra: TestInfra) -> None:
    await page.goto("/console")
    await expect(heading(page)).to_have_text("Sign in to the console")
    await expect(heading(page)).to_be_focused()
    await expect(page).to_have_title("Sign in · Control plane console")
    await expect(page.get_by_role("navigation", name="Main")).to_be_hidden()

    token_field = page.get_by_label("Bearer token")
    await page.keyboard.press("Tab")
    await expect(token_field).to_be_focused()
    await page.keyboard.type("not-a-token")
    await page.keyboard.press("Enter")
    refusal = page.get_by_role("alert")
    await expect(refusal).to_contain_text("401")
    await expect(refusal).to_contain_text("Unauthorized")
    await shot(page, "sign-in-refused")
    assert await page.evaluate("sessionStorage.length") == 0

    # The refused token is selected and focused: typing the right one replaces it.
    await expect(token_field).to_be_focused()
    await page.keyboard.type(token_for(infra, "operator"))
    await page.keyboard.press("Enter")
    await expect(heading(page)).to_have_text("Tenants")
    await expect(heading(page)).to_be_focused()
    await expect(page).to_have_title("Tenants · Control plane console")
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link", name="Tenants")).to_have_attribute("aria-current", "page")
    await expect(nav.get_by_role("link", name="Dead letters")).not_to_have_attribute(
        "aria-current", "page"
    )
    await expect(page.locator("#who-role")).to_have_text("operator")
    kept = await page.evaluate("[sessionStorage.length, localStorage.length, document.cookie]")
    assert kept == [1, 0, ""]

    await page.get_by_role("button", name="Sign out").focus()
    await page.keyboard.press("Enter")
    await expect(heading(page)).to_have_text("Sign in to the console")
    assert await page.evaluate("sessionStorage.length") == 0


async def test_a_tenant_page_follows_provisioning_live(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await new_tenant(gateway, "silo")
    # The external step waits for its callback: long enough to watch, short enough to wait.
    await set_fault(infra, tenant["key"], "delay-callback:3")
    await sign_in(page, infra)

    await page.get_by_label("Key starts with").fill(tenant["key"])
    await page.get_by_label("Status").select_option("PENDING_PROVISION")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page).to_have_url(re.compile(f"keyPrefix={tenant['key']}"))
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-key", tenant["key"])
    await expect(rows.first.locator("[data-status]")).to_have_text("Pending provision")
    await shot(page, "tenants")

    await rows.first.get_by_role("link", name=tenant["name"]).click()
    await expect(heading(page)).to_have_text(tenant["name"])
    await expect(heading(page)).to_be_focused()
    await expect(page).to_have_title(f"{tenant['name']} ({tenant['key']}) · Control plane console")
    status = page.locator("#tenant-status [data-status]")
    await expect(status).to_have_attribute("data-status", "PENDING_PROVISION")
    await expect(page.get_by_text("No pipeline yet")).to_be_visible()
    await page.evaluate("window.sameDocument = true")
    await page.evaluate(RECORD_ANNOUNCEMENTS)

    await provision(gateway, tenant["id"])
    await expect(status).to_have_attribute("data-status", "PROVISIONING")
    infrastructure = page.locator('[data-step="infrastructure"]')
    await expect(infrastructure).to_have_attribute("data-step-status", "IN_PROGRESS")
    await expect(infrastructure.locator("[data-status]")).to_have_text("In progress")
    await expect(page.locator(".live-indicator")).to_have_attribute("data-mode", "live")
    await shot(page, "tenant-provisioning")

    await expect(status).to_have_attribute("data-status", "ACTIVE", timeout=30_000)
    await expect(page.locator('[data-step="billing"]')).to_have_attribute(
        "data-step-status", "SUCCEEDED"
    )
    steps = await page.locator("[data-step]").evaluate_all(
        "rows => rows.map(r => [r.dataset.step, r.dataset.stepStatus])"
    )
    assert steps == [[step, "SUCCEEDED"] for step in STEPS]
    await expect(page.locator("#pipeline-status")).to_have_text("Succeeded")
    await expect(page.locator('.timeline-item[data-type="tenant.activated"]')).to_have_count(1)
    assert await page.evaluate("window.sameDocument") is True  # no reload on the way
    announced = " ".join(await page.evaluate("window.announced"))
    assert "Step infrastructure: In progress." in announced
    assert f"Tenant {tenant['key']} is now Active." in announced
    await expect(page.locator(".live-indicator")).to_have_attribute("data-mode", "rest")
    await shot(page, "tenant-active")


async def test_a_failed_pipeline_says_which_step_failed_and_why(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await new_tenant(gateway, "pooled")
    await set_fault(infra, tenant["key"], "fail:database")
    await provision(gateway, tenant["id"])
    assert (await settle(gateway, tenant["id"]))["status"] == "PROVISION_FAILED"

    # A link to the tenant survives signing in on the way.
    await page.goto(f"/console#/tenants/{tenant['id']}")
    await expect(heading(page)).to_have_text("Sign in to the console")
    await page.get_by_label("Bearer token").fill(token_for(infra, "operator"))
    await page.get_by_label("Bearer token").press("Enter")
    await expect(heading(page)).to_have_text(tenant["name"])
    await expect(page.locator("#tenant-status [data-status]")).to_have_text("Provision failed")
    failure = page.locator(".pipeline .callout-bad")
    await expect(failure).to_contain_text("Failed at database")
    await expect(failure).to_contain_text("injected fault in database")
    database = page.locator('[data-step="database"]')
    await expect(database).to_have_attribute("data-step-status", "FAILED")
    await expect(database.locator("td").nth(2)).to_have_text("2")  # both attempts
    await expect(database).to_contain_text("injected fault in database")
    await expect(page.locator(".live-indicator")).to_have_attribute("data-mode", "rest")
    await shot(page, "tenant-failed")


async def test_leaving_a_tenant_page_stops_its_polling(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await new_tenant(gateway, "pooled")
    await page.clock.install()  # the page's timers run only when the test says so
    await sign_in(page, infra)
    calls: list[str] = []
    page.on(
        "request",
        lambda request: calls.append(request.url) if tenant["id"] in request.url else None,
    )
    await open_tenant(page, tenant)
    await expect(page.locator(".live-indicator")).to_have_attribute("data-mode", "rest")
    async with page.expect_request(f"**/tenants/{tenant['id']}"):
        await page.clock.run_for(2_500)  # at rest it still looks for changes

    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Dead letters").click()
    await expect(heading(page)).to_have_text("Dead letters")
    seen = len(calls)
    await page.clock.run_for(60_000)
    # A request of the test's own after those timers: any poll they started comes before it.
    async with page.expect_response("**/admin/dead-letters?**"):
        await page.get_by_role("button", name="Apply filters").click()
    assert calls[seen:] == []


async def test_the_api_keys_card_shows_a_new_key_once_rotates_and_revokes(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await active_tenant(gateway)
    await sign_in(page, infra, "admin")
    await open_tenant(page, tenant)
    card = page.get_by_role("region", name="API keys")
    # The provisioner's key is listed, never shown.
    initial = card.locator('tr[data-key-name="initial"]')
    await expect(initial.locator("[data-status]")).to_have_attribute("data-status", "active")
    await expect(initial).to_contain_text("admin")

    await card.get_by_role("button", name="New key…").click()
    dialog = page.get_by_role("dialog", name="New API key")
    await dialog.get_by_label("Name").fill("orders")
    await dialog.get_by_label("Scopes").fill("orders:read, orders:write")
    await dialog.get_by_role("button", name="Create key").click()
    shown = page.get_by_role("dialog", name="Key created: store it now")
    secret = shown.get_by_label("API key “orders”")
    await expect(secret).to_have_value(re.compile(r"^cpk_[a-z2-7]{12}_"))
    await expect(secret).to_be_focused()
    first_key = await secret.input_value()
    await shot(page, "api-key-created")
    await shown.get_by_role("button", name="I have stored it").click()
    await expect(shown).to_be_hidden()
    orders = card.locator('tr[data-key-name="orders"]')
    await expect(orders).to_have_count(1)
    await expect(orders).to_contain_text("orders:write")
    assert first_key not in await page.content()  # gone with its dialog
    checked = (await gateway.post("/api-keys/verify", json={"apiKey": first_key})).json()
    assert (checked["active"], checked["scopes"]) == (True, ["orders:read", "orders:write"])

    await card.get_by_role("button", name="Rotate orders").click()
    rotation = page.get_by_role("dialog", name="Rotate “orders”?")
    await rotation.get_by_label("Overlap (seconds)").fill("0")
    await rotation.get_by_role("button", name="Rotate").click()
    shown = page.get_by_role("dialog", name="Key rotated: store it now")
    second_key = await shown.get_by_label("API key “orders”").input_value()
    await shown.get_by_role("button", name="I have stored it").click()
    await expect(orders).to_have_count(2)
    statuses = orders.locator("[data-status]")
    await expect(statuses).to_have_text(["Active", "Expired"])  # newest first
    assert second_key != first_key
    refused = (await gateway.post("/api-keys/verify", json={"apiKey": first_key})).json()
    assert refused == {"active": False, "reason": "expired"}

    await card.get_by_role("button", name="Revoke orders").first.click()
    confirm = page.get_by_role("dialog", name="Revoke “orders”?")
    await confirm.get_by_role("button", name="Revoke").click()
    await expect(statuses).to_have_text(["Revoked", "Expired"])
    await shot(page, "api-keys-revoked")
    refused = (await gateway.post("/api-keys/verify", json={"apiKey": second_key})).json()
    assert refused == {"active": False, "reason": "revoked"}


async def test_an_operator_sees_a_tenants_keys_but_no_way_to_change_them(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await active_tenant(gateway)
    await sign_in(page, infra)
    await open_tenant(page, tenant)
    card = page.get_by_role("region", name="API keys")

    await expect(card.locator('tr[data-key-name="initial"]')).to_have_count(1)
    await expect(card.get_by_role("button")).to_have_count(0)


async def test_leads_are_filtered_counted_and_opened(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await new_tenant(gateway, "pooled")
    domain = f"l{uuid.uuid4().hex[:10]}.example"
    leads = []
    for i in range(3):
        body = {
            "firstName": "Ada",
            "lastName": f"Lovelace{i}",
            "companyName": "Analytical Engines",
            "email": f"ada{i}@{domain}",
            "address": {"address": "1 Loom St", "city": "London", "zip": "N1", "country": "GB"},
        }
        signed_up = await gateway.post("/leads", json=body)
        assert signed_up.status_code == 201, signed_up.text
        leads.append(signed_up.json()["id"])
    await sign_in(page, infra)

    # The tenants page counts what matches beside the list.
    await page.get_by_label("Key starts with").fill(tenant["key"])
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page.locator("tbody tr")).to_have_count(1)
    await expect(page.locator(".result-count")).to_have_text("1 tenant")
    await expect(page.locator(".result-count")).to_have_attribute("data-total", "1")

    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Leads").click()
    await expect(heading(page)).to_have_text("Leads")
    await expect(heading(page)).to_be_focused()
    await expect(page).to_have_title("Leads · Control plane console")
    await expect(nav.get_by_role("link", name="Leads")).to_have_attribute("aria-current", "page")
    await page.get_by_label("E-mail domain").fill(domain.upper())
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page).to_have_url(re.compile("emailDomain="))
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(3)
    assert await rows.evaluate_all("rows => rows.map(r => r.dataset.leadId)") == leads[::-1]
    await expect(page.locator(".result-count")).to_have_text("3 leads")
    await expect(rows.first.locator("[data-status]")).to_have_text("Pending")
    await shot(page, "leads")

    await page.get_by_label("Status").select_option("VERIFIED")
    await page.get_by_role("button", name="Apply filters").click()
    await expect(page.get_by_text("No leads match these filters.")).to_be_visible()
    await page.go_back()
    await expect(rows).to_have_count(3)

    await rows.nth(2).get_by_role("link", name="Ada Lovelace0").click()
    await expect(heading(page)).to_have_text("Ada Lovelace0")
    await expect(heading(page)).to_be_focused()
    await expect(page).to_have_title("Lead Ada Lovelace0 · Control plane console")
    await expect(page.locator("#lead-status [data-status]")).to_have_attribute(
        "data-status", "PENDING"
    )
    details = page.locator("dl.details")
    await expect(details).to_contain_text(f"ada0@{domain}")
    await expect(details).to_contain_text("Analytical Engines")
    await expect(details).to_contain_text(leads[0])
    await shot(page, "lead")
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    await crumbs.get_by_role("link", name="Leads").click()
    await expect(heading(page)).to_have_text("Leads")


def malformed_event(tenant_id: str) -> bytes:
    """A `tenant.activated` whose data is missing every field: the notifier dead-letters it."""
    envelope = {
        "id": str(uuid.uuid4()),
        "type": "tenant.activated",
        "version": 1,
        "tenant_id": tenant_id,
        "data": {"welcome": "nobody told me the fields"},
    }
    return json.dumps(envelope).encode()


async def dead_letter_about(
    gateway: httpx.AsyncClient, infra: TestInfra, stack: Stack, tenant_id: str
) -> dict[str, Any]:
    """Feed the notifier a malformed event naming `tenant_id`; its dead letter once parked."""
    queue = f"{stack.env['QUEUE_PREFIX']}notifier.emails"
    await publish_to_queue(infra, queue, malformed_event(tenant_id))
    return await parked(gateway, tenant_id)


async def parked(gateway: httpx.AsyncClient, tenant_id: str) -> dict[str, Any]:
    """The PARKED dead letter about `tenant_id`, once the parking lot has it."""
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        answer = await gateway.get(
            "/admin/dead-letters", params={"tenantId": tenant_id, "status": "PARKED"}
        )
        assert answer.status_code == 200, answer.text
        if answer.json()["items"]:
            item: dict[str, Any] = answer.json()["items"][0]
            return item
        await asyncio.sleep(0.1)
    raise AssertionError(f"no parked dead letter about {tenant_id}")


async def status_of(gateway: httpx.AsyncClient, dead_letter: dict[str, Any]) -> Any:
    answer = await gateway.get(f"/admin/dead-letters/{dead_letter['id']}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def filter_dead_letters(page: Page, tenant_id: str) -> None:
    """Go to Dead letters by the navigation and filter by tenant (Enter submits)."""
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Dead letters").click()
    await expect(heading(page)).to_have_text("Dead letters")
    await page.get_by_label("Tenant ID").fill(tenant_id)
    await page.get_by_label("Tenant ID").press("Enter")
    await expect(page).to_have_url(re.compile(f"tenantId={tenant_id}"))


async def open_dead_letter(page: Page, tenant_id: str) -> None:
    await filter_dead_letters(page, tenant_id)
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator("[data-status]")).to_have_text("Parked")
    await rows.first.get_by_role("link", name="tenant.activated").click()
    await expect(heading(page)).to_have_text("tenant.activated")


async def test_a_dead_letter_is_inspected_and_replayed(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra, stack: Stack
) -> None:
    about = str(uuid.uuid4())
    first = await dead_letter_about(gateway, infra, stack, about)
    queue = first["originalQueue"]
    assert queue == f"{stack.env['QUEUE_PREFIX']}notifier.emails"
    await sign_in(page, infra)

    await open_dead_letter(page, about)
    await expect(page.locator("#dead-letter-status [data-status]")).to_have_text("Parked")
    await expect(page.locator("#dead-letter-reason")).to_have_text("malformed")
    await expect(page.locator(".error-block")).to_contain_text("occurred_at: Field required")
    body = page.locator("#dead-letter-body")
    await expect(body).to_contain_text('"welcome": "nobody told me the fields"')
    await expect(body).to_contain_text(f'  "tenant_id": "{about}"')  # pretty-printed
    await expect(page.get_by_text(queue, exact=True).first).to_be_visible()
    await shot(page, "dead-letter")

    # Replay asks first; Esc backs out with nothing done and focus back on the button.
    replay = page.get_by_role("button", name="Replay…")
    await replay.click()
    dialog = page.get_by_role("dialog", name="Replay this message?")
    await expect(dialog).to_contain_text(queue)
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await expect(replay).to_be_focused()
    assert (await status_of(gateway, first))["status"] == "PARKED"

    await replay.click()
    await dialog.get_by_role("button", name="Replay").click()
    await expect(page.locator("#dead-letter-status [data-status]")).to_have_text("Replayed")
    await expect(page.locator("#action-result")).to_contain_text("Status: Replayed.")
    await expect(page.locator(".audit")).to_contain_text("Replayed by e2e:operator")
    await expect(page.get_by_role("button", name="Replay…")).to_have_count(0)
    assert (await status_of(gateway, first))["status"] == "REPLAYED"

    # The replayed copy failed again and is parked anew: a bulk replay previews it (dry run).
    again = await parked(gateway, about)
    assert again["id"] != first["id"]
    await filter_dead_letters(page, about)
    await expect(page.locator("tbody tr")).to_have_count(1)
    await shot(page, "dead-letters")
    await page.get_by_role("button", name="Replay matching…").click()
    preview = page.get_by_role("dialog", name="Replay 1 dead letter?")
    await expect(preview).to_contain_text("tenant.activated from notifier (malformed)")
    await preview.get_by_role("button", name="Cancel").click()
    await expect(preview).to_be_hidden()
    assert (await status_of(gateway, again))["status"] == "PARKED"


async def test_a_dead_letter_is_discarded_only_with_a_reason(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra, stack: Stack
) -> None:
    mine, raced = str(uuid.uuid4()), str(uuid.uuid4())
    dead_letter = await dead_letter_about(gateway, infra, stack, mine)
    other = await dead_letter_about(gateway, infra, stack, raced)
    await sign_in(page, infra)

    # A blank reason is refused in the form, and nothing is sent.
    await open_dead_letter(page, mine)
    await page.get_by_role("button", name="Discard…").click()
    ask = page.get_by_role("dialog", name="Discard this message?")
    reason = ask.get_by_label("Why discard it?")
    await expect(reason).to_be_focused()
    await reason.fill("   ")
    await ask.get_by_role("button", name="Discard").click()
    await expect(reason).to_have_attribute("aria-invalid", "true")
    await expect(ask).to_contain_text("A reason is required")
    await expect(reason).to_be_focused()
    assert (await status_of(gateway, dead_letter))["status"] == "PARKED"
    await shot(page, "discard-dialog")

    await reason.fill("Test message: nothing to deliver")
    await ask.get_by_role("button", name="Discard").click()
    await expect(ask).to_be_hidden()
    await expect(page.locator("#dead-letter-status [data-status]")).to_have_text("Discarded")
    await expect(page.locator(".audit")).to_contain_text("Test message: nothing to deliver")
    stored = await status_of(gateway, dead_letter)
    assert (stored["status"], stored["discardedReason"]) == (
        "DISCARDED",
        "Test message: nothing to deliver",
    )

    # Someone else acts first: the API's refusal is shown in the dialog, as the API put it.
    await open_dead_letter(page, raced)
    taken = await gateway.post(f"/admin/dead-letters/{other['id']}/discard", json={"reason": "x"})
    assert taken.status_code == 200, taken.text
    await page.get_by_role("button", name="Discard…").click()
    await ask.get_by_label("Why discard it?").fill("me too")
    await ask.get_by_role("button", name="Discard").click()
    refusal = ask.get_by_role("alert")
    await expect(refusal).to_contain_text("409")
    await expect(refusal).to_contain_text("Conflict")
    await expect(refusal).to_contain_text("only PARKED ones are discarded")
    await page.keyboard.press("Escape")
    await expect(ask).to_be_hidden()
    assert (await status_of(gateway, other))["discardedReason"] == "x"


async def audited_edits(gateway: httpx.AsyncClient) -> dict[str, Any]:
    """A tenant renamed, given a contact and feature flags; once all four actions are on the
    audit trail (with its onboarding)."""
    tenant = await new_tenant(gateway, "pooled")
    url = f"/tenants/{tenant['id']}"
    renamed = await gateway.patch(url, json={"name": f"Renamed {tenant['key']}"})
    assert renamed.status_code == 200, renamed.text
    contact = {"firstName": "Ada", "lastName": "Lovelace", "email": f"ada@{tenant['key']}.example"}
    assert (await gateway.post(f"{url}/contacts", json=contact)).status_code == 201
    flags = await gateway.put(f"{url}/config/feature-flags", json={"beta": True})
    assert flags.status_code == 200, flags.text
    deadline = asyncio.get_running_loop().time() + 20
    while asyncio.get_running_loop().time() < deadline:
        trail = await gateway.get(
            "/admin/audit", params={"tenant": tenant["id"], "onlyActions": "true"}
        )
        assert trail.status_code == 200, trail.text
        if len(trail.json()["items"]) == 4:
            return tenant
        await asyncio.sleep(0.1)
    raise AssertionError(f"the audit trail never showed the four actions on {tenant['id']}")


async def test_the_audit_page_filters_and_exports_with_the_keyboard(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await audited_edits(gateway)
    await sign_in(page, infra)
    nav = page.get_by_role("navigation", name="Main")
    await nav.get_by_role("link", name="Audit").click()
    await expect(heading(page)).to_have_text("Audit")
    await expect(heading(page)).to_be_focused()
    await expect(page).to_have_title("Audit · Control plane console")
    await expect(nav.get_by_role("link", name="Audit")).to_have_attribute("aria-current", "page")

    await page.get_by_label("Entries").select_option("true")
    await page.get_by_label("Tenant ID").fill(tenant["id"])
    await page.get_by_label("Tenant ID").press("Enter")
    await expect(page).to_have_url(re.compile(f"tenant={tenant['id']}"))
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(4)
    types = await rows.evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert types == [
        "tenant.feature_flags_changed",
        "tenant.contact_added",
        "tenant.updated",
        "tenant.onboarded",
    ]
    renamed = rows.nth(2)
    await expect(renamed).to_contain_text(f"name: Tenant {tenant['key']} → Renamed {tenant['key']}")
    await expect(renamed).to_contain_text("e2e:admin (admin)")
    await expect(rows.nth(0)).to_contain_text("beta: none → true")
    await expect(rows.nth(1)).to_contain_text(f"Ada Lovelace <ada@{tenant['key']}.example>")
    await shot(page, "audit")

    # The export takes the filters in the form, and is a button the keyboard reaches.
    await page.get_by_label("Event type").fill("tenant.contact_*")
    await page.get_by_label("Event type").press("Enter")
    await expect(rows).to_have_count(1)
    async with page.expect_download() as csv_download:
        await page.get_by_role("button", name="Export CSV").focus()
        await page.keyboard.press("Enter")
    saved = await (await csv_download.value).path()
    header, *lines = list(csv.reader(io.StringIO(saved.read_text())))
    assert header[:4] == ["id", "occurredAt", "tenantId", "type"]
    assert [(line[2], line[3], line[4]) for line in lines] == [
        (tenant["id"], "tenant.contact_added", "e2e:admin")
    ]
    await expect(page.locator(".export-status")).to_contain_text("Saved audit-")

    await page.get_by_label("Event type").fill("")
    async with page.expect_download() as jsonl_download:
        await page.get_by_role("button", name="Export JSON lines").click()
    download = await jsonl_download.value
    assert download.suggested_filename.endswith(".jsonl")
    exported = [json.loads(line) for line in (await download.path()).read_text().splitlines()]
    assert [e["type"] for e in exported] == types


async def test_a_scheduled_offboarding_is_restored_from_the_page_and_its_export_listed(
    page: Page, gateway: httpx.AsyncClient, infra: TestInfra
) -> None:
    tenant = await active_tenant(gateway)
    assert (await gateway.delete(f"/tenants/{tenant['id']}")).status_code == 202
    # An admin: restoring is theirs (an operator's token sees the card, not the exports).
    await page.goto("/console")
    await page.get_by_label("Bearer token").fill(token_for(infra, "admin"))
    await page.get_by_role("button", name="Sign in").click()
    await expect(heading(page)).to_have_text("Tenants")
    await page.goto(f"/console#/tenants/{tenant['id']}")
    status = page.locator("#tenant-status [data-status]")
    await expect(status).to_have_attribute("data-status", "OFFBOARDING_SCHEDULED")
    card = page.get_by_role("region", name="Offboarding and exports")
    await expect(card).to_contain_text("Offboarding is scheduled")
    await expect(card.locator("time")).to_have_count(1)  # when it is due
    await shot(page, "tenant-offboarding-scheduled")

    await card.get_by_role("button", name="Restore").click()
    dialog = page.get_by_role("dialog", name="Restore this tenant?")
    await expect(dialog).to_contain_text("goes back to Active")
    await dialog.get_by_role("button", name="Restore").click()
    await expect(dialog).to_be_hidden()
    await expect(status).to_have_attribute("data-status", "ACTIVE")
    await expect(card.get_by_role("button", name="Restore")).to_have_count(0)

    now = await gateway.delete(f"/tenants/{tenant['id']}", params={"now": "true"})
    assert now.status_code == 202, now.text
    await expect(status).to_have_attribute("data-status", "OFFBOARDED", timeout=30_000)
    await expect(card.locator('[data-status="COMPLETE"]')).to_have_count(1)
    await expect(card.get_by_role("cell", name="MANIFEST.json")).to_have_count(1)
    await expect(card.get_by_role("cell", name="provisioner/pooled/records.csv")).to_have_count(1)
    await shot(page, "tenant-offboarded-export")
