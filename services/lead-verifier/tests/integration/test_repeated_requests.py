"""A request repeated under the same Idempotency-Key (its first answer was lost) does nothing
twice: the same lead, the same token; anything else is refused exactly as before."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from service_kit_testing import SqlRunner

from ..leads import Visitor, signup_body  # type: ignore[import-not-found]

LEAD_CREATED_FOR = (
    "SELECT count(*) AS n FROM lead_verifier.outbox WHERE event_type = 'lead.created'"
    " AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'email' = :email"
)


def keyed(key: str, **headers: str) -> dict[str, str]:
    return {"Idempotency-Key": key, **headers}


async def test_a_repeated_sign_up_answers_the_same_lead_and_does_nothing_more(
    client: httpx.AsyncClient, sql: SqlRunner
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
    leads = await sql("SELECT id FROM lead_verifier.leads WHERE email = :e", e=email)
    assert [str(r.id) for r in leads] == [answers[0].json()["id"]]
    (events,) = await sql(LEAD_CREATED_FOR, email=email)
    assert events.n == 1

    other_key = await client.post("/leads", json=body, headers=keyed(uuid.uuid4().hex))
    unkeyed = await client.post("/leads", json=body)
    assert len({answers[0].json()["id"], other_key.json()["id"], unkeyed.json()["id"]}) == 3


async def test_a_repeated_verification_answers_the_same_token_once_verified(
    visitor: Visitor, sql: SqlRunner
) -> None:
    lead_id, code = await visitor.sign_up()
    key = uuid.uuid4().hex
    first = await visitor.verify(lead_id, code, keyed(key))
    repeat = await visitor.verify(lead_id, code, keyed(key))
    assert first.status_code == repeat.status_code == 200, (first.text, repeat.text)
    assert repeat.json() == first.json(), "the same lead and the very same token"
    (verified,) = await sql(
        "SELECT count(*) AS n FROM lead_verifier.outbox WHERE event_type = 'lead.verified'"
        " AND convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'lead_id' = :id",
        id=lead_id,
    )
    assert verified.n == 1, "one lead.verified, however often the request is repeated"

    # The used code stays single-use for everyone else: no key, another key, a wrong code.
    refusals = [
        await visitor.verify(lead_id, code),
        await visitor.verify(lead_id, code, keyed(uuid.uuid4().hex)),
        await visitor.verify(lead_id, "not-the-code", keyed(key)),
    ]
    for refused in refusals:
        assert refused.status_code == 401, refused.text
        assert refused.json()["detail"] == (
            "The verification code is invalid, expired or already used."
        )


async def test_a_key_does_not_carry_a_code_to_another_lead(
    visitor: Visitor, sql: SqlRunner
) -> None:
    lead_a, code_a = await visitor.sign_up()
    lead_b, _ = await visitor.sign_up()
    key = uuid.uuid4().hex
    ok = await visitor.verify(lead_a, code_a, keyed(key))
    assert ok.status_code == 200, ok.text
    other = await visitor.verify(lead_b, code_a, keyed(key))
    assert other.status_code == 401
    (row,) = await sql(
        "SELECT attempts, used_at FROM lead_verifier.verification_codes WHERE lead_id = :id",
        id=lead_b,
    )
    assert (row.attempts, row.used_at) == (1, None), "counted as the wrong code it is"
