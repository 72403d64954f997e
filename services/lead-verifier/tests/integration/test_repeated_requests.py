"""A request repeated under the same Idempotency-Key (its first answer was lost) does nothing
twice: the same lead, the same token; anything else is refused exactly as before."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from lead_verifier.settings import LeadVerifierSettings

from .test_signup_and_verify import db_rows, opened_link, signup_body

LEAD_CREATED_FOR = (
    "SELECT count(*) AS n FROM lead_verifier.outbox WHERE event_type = 'lead.created'"
    " AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'email' = :email"
)


def keyed(key: str, **headers: str) -> dict[str, str]:
    return {"Idempotency-Key": key, **headers}


async def test_a_repeated_sign_up_answers_the_same_lead_and_does_nothing_more(
    client: httpx.AsyncClient, settings: LeadVerifierSettings
) -> None:
    body = signup_body()
    headers = keyed(uuid.uuid4().hex)
    answers = await asyncio.gather(
        *(client.post("/leads", json=body, headers=headers) for _ in range(5))
    )
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    again = await client.post("/leads", json=body, headers=headers)
    assert again.json() == answers[0].json()
    email = body["email"].lower()
    leads = await db_rows(settings, "SELECT id FROM lead_verifier.leads WHERE email = :e", e=email)
    assert [str(r.id) for r in leads] == [answers[0].json()["id"]]
    (events,) = await db_rows(settings, LEAD_CREATED_FOR, email=email)
    assert events.n == 1

    other_key = await client.post("/leads", json=body, headers=keyed(uuid.uuid4().hex))
    unkeyed = await client.post("/leads", json=body)
    assert len({answers[0].json()["id"], other_key.json()["id"], unkeyed.json()["id"]}) == 3


async def _signed_up(
    client: httpx.AsyncClient, tap: Any, settings: LeadVerifierSettings
) -> tuple[str, str]:
    response = await client.post("/leads", json=signup_body())
    lead_id = response.json()["id"]
    (event,) = await tap.wait_for("lead.created", where=lambda e: str(e.data.lead_id) == lead_id)
    return lead_id, parse_qs(urlsplit(opened_link(event, settings)).query)["code"][0]


async def test_a_repeated_verification_answers_the_same_token_once_verified(
    client: httpx.AsyncClient, event_tap: Any, settings: LeadVerifierSettings
) -> None:
    tap = await event_tap("lead.*")
    lead_id, code = await _signed_up(client, tap, settings)
    key = uuid.uuid4().hex
    path = f"/leads/{lead_id}/verify"
    first = await client.post(path, headers=keyed(key, Authorization=f"Bearer {code}"))
    repeat = await client.post(path, headers=keyed(key, Authorization=f"Bearer {code}"))
    assert first.status_code == repeat.status_code == 200, (first.text, repeat.text)
    assert repeat.json() == first.json(), "the same lead and the very same token"
    (verified,) = await db_rows(
        settings,
        "SELECT count(*) AS n FROM lead_verifier.outbox WHERE event_type = 'lead.verified'"
        " AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'lead_id' = :id",
        id=lead_id,
    )
    assert verified.n == 1, "one lead.verified, however often the request is repeated"

    # The used code stays single-use for everyone else: no key, another key, a wrong code.
    refusals = [
        await client.post(path, headers={"Authorization": f"Bearer {code}"}),
        await client.post(path, headers=keyed(uuid.uuid4().hex, Authorization=f"Bearer {code}")),
        await client.post(path, headers=keyed(key, Authorization="Bearer not-the-code")),
    ]
    for refused in refusals:
        assert refused.status_code == 401, refused.text
        assert refused.json()["detail"] == (
            "The verification code is invalid, expired or already used."
        )


async def test_a_key_does_not_carry_a_code_to_another_lead(
    client: httpx.AsyncClient, event_tap: Any, settings: LeadVerifierSettings
) -> None:
    tap = await event_tap("lead.created")
    lead_a, code_a = await _signed_up(client, tap, settings)
    lead_b, _ = await _signed_up(client, tap, settings)
    key = uuid.uuid4().hex
    ok = await client.post(
        f"/leads/{lead_a}/verify", headers=keyed(key, Authorization=f"Bearer {code_a}")
    )
    assert ok.status_code == 200, ok.text
    other = await client.post(
        f"/leads/{lead_b}/verify", headers=keyed(key, Authorization=f"Bearer {code_a}")
    )
    assert other.status_code == 401
    (row,) = await db_rows(
        settings,
        "SELECT attempts, used_at FROM lead_verifier.verification_codes WHERE lead_id = :id",
        id=lead_b,
    )
    assert (row.attempts, row.used_at) == (1, None), "counted as the wrong code it is"
