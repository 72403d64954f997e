"""Attacks on sign-up against the five running services, done the blunt way.

A live verification code must exist in plaintext only on its way to the mailbox: not in any
table of the stack's database (a `pg_dump` of all of it), not in a parked dead letter an
operator opens, not in the services' logs. And a sign-up must not tell whether an address
already has an account.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest

from service_kit_testing import SmtpSink, TestInfra

from .conftest import Stack, admin_client
from .polling import eventually

pytestmark = pytest.mark.e2e
VARYING_HEADERS = {"content-length", "date", "x-request-id", "traceparent", "ratelimit-remaining"}


@pytest.fixture(scope="module")
async def public(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
async def operator(stack: Stack, infra: TestInfra) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(stack, infra) as client:
        yield client


async def query(stack: Stack, sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(_libpq(stack.database_url))
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def _libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def signup_body(email: str) -> dict[str, Any]:
    return {"firstName": "Ada", "lastName": "Lovelace", "companyName": "Engines", "email": email}


def code_in(mail: Any) -> str:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = next(w for w in text.split() if "validate?" in w)
    code: str = parse_qs(urlsplit(link).query)["code"][0]
    return code


async def lead_created_id(stack: Stack, lead_id: str) -> uuid.UUID:
    """The id of the lead's `lead.created` event, from lead-verifier's outbox."""
    sql = (
        "SELECT id FROM lead_verifier.outbox WHERE event_type = 'lead.created' "
        "AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'lead_id' = $1"
    )

    async def found() -> uuid.UUID | None:
        rows = await query(stack, sql, lead_id)
        return rows[0]["id"] if rows else None

    return await eventually(found, what="lead.created in the outbox")


async def pg_dump(stack: Stack) -> bytes:
    done = await asyncio.to_thread(
        subprocess.run,
        ["pg_dump", "--dbname", _libpq(stack.database_url)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def _holds(blob: bytes, code: str) -> list[str]:
    """Which forms of `code` are in `blob`: as text, or as the hex of a bytea column."""
    forms = {"plaintext": code.encode(), "hex": code.encode().hex().encode()}
    return [name for name, form in forms.items() if form in blob.lower() or form in blob]


async def test_no_table_of_the_stack_holds_a_live_code(
    public: httpx.AsyncClient, stack: Stack, smtp_sink: SmtpSink
) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@engines.example"
    signed_up = await public.post("/leads", json=signup_body(email))
    assert signed_up.status_code == 201, signed_up.text
    lead_id = signed_up.json()["id"]
    code = code_in(await smtp_sink.wait_for(email))
    event_id = await lead_created_id(stack, lead_id)

    async def everywhere() -> bool:
        # Published, in tenant-api's inbox (timeline) and recorded by the notifier as sent.
        sent = await query(
            stack,
            "SELECT 1 FROM notifier.notifications WHERE event_id = $1 AND status = 'SENT'",
            event_id,
        )
        inbox = await query(stack, "SELECT 1 FROM tenant_api.inbox WHERE event_id = $1", event_id)
        published = await query(
            stack,
            "SELECT 1 FROM lead_verifier.outbox WHERE id = $1 AND published_at IS NOT NULL",
            event_id,
        )
        return bool(sent and inbox and published)

    await eventually(everywhere, what="the event stored by every service")

    dump = await pg_dump(stack)
    assert lead_id.encode() in dump, "the dump holds the lead (a sanity check of the dump)"
    assert _holds(dump, code) == []
    assert _holds(stack.log.read_bytes(), code) == [], "no log line holds the code"
    # The code still works: it was only ever sealed, not lost.
    verified = await public.post(
        f"/leads/{lead_id}/verify", headers={"Authorization": f"Bearer {code}"}
    )
    assert verified.status_code == 200, verified.text


async def test_a_parked_verification_mail_shows_the_operator_no_code(
    public: httpx.AsyncClient, operator: httpx.AsyncClient, stack: Stack, smtp_sink: SmtpSink
) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@engines.example"
    with smtp_sink.down():
        signed_up = await public.post("/leads", json=signup_body(email))
        assert signed_up.status_code == 201, signed_up.text
        lead_id = signed_up.json()["id"]

        async def parked() -> dict[str, Any] | None:
            listed = await operator.get(
                "/admin/dead-letters",
                params={"service": "notifier", "eventType": "lead.created", "status": "PARKED"},
            )
            assert listed.status_code == 200, listed.text
            for item in listed.json()["items"]:
                shown = await operator.get(f"/admin/dead-letters/{item['id']}")
                assert shown.status_code == 200, shown.text
                if lead_id in shown.text:
                    found: dict[str, Any] = {"id": item["id"], "answer": shown}
                    return found
            return None

        dead = await eventually(parked, what="the verification e-mail parked")
    answer: httpx.Response = dead["answer"]
    body = answer.json()
    assert body["reason"] == "retries_exhausted"
    assert "validate?" not in answer.text
    assert "code=" not in answer.text
    assert "verification_url" not in answer.text
    assert "verification_link" in answer.text, "the link is there, sealed"

    # Replayed once the mail server is back, the e-mail brings the code: it was never shown.
    replayed = await operator.post(f"/admin/dead-letters/{dead['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    code = code_in(await smtp_sink.wait_for(email))
    assert _holds(answer.content, code) == []
    assert _holds(replayed.content, code) == []
    listed = await operator.get("/admin/dead-letters", params={"service": "notifier"})
    assert _holds(listed.content, code) == []
    assert _holds(await pg_dump(stack), code) == []


async def test_sign_up_does_not_tell_who_has_an_account(
    public: httpx.AsyncClient, stack: Stack, smtp_sink: SmtpSink
) -> None:
    taken = f"grace-{uuid.uuid4().hex[:8]}@navy.example"
    first = await public.post("/leads", json=signup_body(taken))
    assert first.status_code == 201, first.text
    verified = await public.post(
        f"/leads/{first.json()['id']}/verify",
        headers={"Authorization": f"Bearer {code_in(await smtp_sink.wait_for(taken))}"},
    )
    assert verified.status_code == 200, verified.text

    fresh_email = f"ada-{uuid.uuid4().hex[:8]}@engines.example"
    again = await public.post("/leads", json=signup_body(taken.upper()))
    fresh = await public.post("/leads", json=signup_body(fresh_email))

    assert (again.status_code, fresh.status_code) == (201, 201), again.text
    assert set(again.json()) == set(fresh.json()) == {"id"}
    assert _shape(again.headers) == _shape(fresh.headers)
    for lead_id in (again.json()["id"], fresh.json()["id"]):
        guessed = await public.post(
            f"/leads/{lead_id}/verify", headers={"Authorization": "Bearer guessed"}
        )
        assert guessed.status_code == 401
        assert guessed.json()["detail"] == (
            "The verification code is invalid, expired or already used."
        )

    # Only the mailbox tells the difference, and only to its owner.
    async def second_mail() -> Any:
        mails = smtp_sink.to(taken)
        return mails[1] if len(mails) > 1 else None

    hint = await eventually(second_mail, what="the second e-mail to the taken address")
    text = hint.get_body(preferencelist=("plain",)).get_content()
    assert hint["Subject"] == "You already have an account"
    assert "You already have an account" in text
    assert "validate?" not in text
    confirm = await smtp_sink.wait_for(fresh_email)
    assert "validate?" in confirm.get_body(preferencelist=("plain",)).get_content()


def _shape(headers: httpx.Headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in VARYING_HEADERS}
