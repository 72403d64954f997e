"""Sign-up and verification through the real ASGI app, PostgreSQL and RabbitMQ."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt

from lead_verifier.settings import LeadVerifierSettings
from service_kit_testing import SqlRunner, assert_problem

from ..leads import Visitor, opened_link, signup_body  # type: ignore[import-not-found]


async def test_signup_stores_only_a_hash_and_publishes_the_link(
    client: httpx.AsyncClient, event_tap: Any, settings: LeadVerifierSettings, sql: SqlRunner
) -> None:
    tap = await event_tap("lead.*")
    body = signup_body()
    response = await client.post("/leads", json=body)
    assert response.status_code == 201
    assert set(response.json()) == {"id"}, "the code must never be in the response"
    lead_id = response.json()["id"]
    (event,) = await tap.wait_for("lead.created", where=lambda e: str(e.data.lead_id) == lead_id)
    code = parse_qs(urlsplit(opened_link(event, settings)).query)["code"][0]
    assert event.version == 2
    assert event.data.account_exists is False
    assert code not in event.model_dump_json(), "the event carries the link sealed only"
    assert event.data.email == body["email"].lower()
    assert event.correlation_id == uuid.UUID(lead_id)
    rows = await sql(
        "SELECT code_digest FROM lead_verifier.verification_codes WHERE lead_id = :id",
        id=lead_id,
    )
    assert len(rows) == 1
    assert code not in rows[0].code_digest
    assert len(rows[0].code_digest) == 64


async def test_verify_returns_an_onboarding_token_once(
    visitor: Visitor, settings: LeadVerifierSettings
) -> None:
    lead_id, code = await visitor.sign_up()
    ok = await visitor.verify(lead_id, code)
    assert ok.status_code == 200, ok.text
    claims = jwt.decode(
        ok.json()["token"],
        settings.jwt_secret.get_secret_value(),
        algorithms=["HS256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
    )
    assert claims["role"] == "lead"
    assert claims["lead_id"] == lead_id
    (verified,) = await visitor.tap.wait_for("lead.verified")
    assert str(verified.data.lead_id) == lead_id
    assert verified.data.address is not None
    assert verified.data.address.city == "London"

    reused = await visitor.verify(lead_id, code)
    assert_problem(reused, 401, "unauthorized")


async def test_wrong_code_is_401_and_attempts_are_limited(
    visitor: Visitor, settings: LeadVerifierSettings, sql: SqlRunner
) -> None:
    lead_id, code = await visitor.sign_up()
    for _ in range(settings.lead_max_attempts):
        wrong = await visitor.verify(lead_id, "not-the-code")
        assert wrong.status_code == 401
        assert wrong.json()["title"] == "Unauthorized"
    locked = await visitor.verify(lead_id, code)
    assert locked.status_code == 401, "the right code after too many attempts stays refused"
    status = await sql("SELECT status FROM lead_verifier.leads WHERE id = :id", id=lead_id)
    assert status[0].status == "PENDING"


async def test_expired_code_is_refused(visitor: Visitor, sql: SqlRunner) -> None:
    lead_id, code = await visitor.sign_up()
    await sql(
        "UPDATE lead_verifier.verification_codes SET expires_at = now() - interval '1 second'"
        " WHERE lead_id = :id RETURNING lead_id",
        id=lead_id,
    )
    response = await visitor.verify(lead_id, code)
    assert response.status_code == 401


async def test_missing_bearer_and_unknown_lead_are_401(client: httpx.AsyncClient) -> None:
    unknown = await client.post(
        f"/leads/{uuid.uuid4()}/verify", headers={"Authorization": "Bearer whatever"}
    )
    assert unknown.status_code == 401
    missing = await client.post(f"/leads/{uuid.uuid4()}/verify")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"


async def test_signup_for_a_verified_email_answers_as_for_a_new_one(
    client: httpx.AsyncClient, visitor: Visitor
) -> None:
    email = f"grace-{uuid.uuid4().hex[:8]}@navy.example"
    lead_id, code = await visitor.sign_up(email=email)
    ok = await visitor.verify(lead_id, code)
    assert ok.status_code == 200

    again = await client.post("/leads", json=signup_body(email=email.upper()))
    fresh = await client.post("/leads", json=signup_body())

    assert (again.status_code, fresh.status_code) == (201, 201), again.text
    assert set(again.json()) == set(fresh.json()) == {"id"}
    assert _shape(again.headers) == _shape(fresh.headers)
    # Named by its lead: an earlier test's late lead.created may reach this tap first.
    (event,) = await visitor.tap.wait_for(
        "lead.created", where=lambda e: str(e.data.lead_id) == again.json()["id"]
    )
    assert event.data.account_exists is True
    assert (event.data.verification_link, event.data.code_expires_at) == (None, None)
    # What the returned id lets anyone do next answers as for any other lead.
    for lead in (again.json()["id"], fresh.json()["id"]):
        guessed = await visitor.verify(lead, "guessed-code")
        assert guessed.status_code == 401
        assert guessed.json()["detail"] == (
            "The verification code is invalid, expired or already used."
        )


def _shape(headers: httpx.Headers) -> dict[str, str]:
    """The headers, without the ones that differ per request."""
    varying = {"content-length", "date", "x-request-id", "traceparent"}
    return {k: v for k, v in headers.items() if k not in varying}


async def test_invalid_body_is_422_problem_and_stores_nothing(
    client: httpx.AsyncClient, sql: SqlRunner
) -> None:
    email = f"bad-{uuid.uuid4().hex[:8]}@example.com"
    cases = [
        signup_body(email="not-an-email"),
        signup_body(email=email, firstName=""),
        {**signup_body(email=email), "isAdmin": True},
        {"firstName": "only"},
    ]
    for body in cases:
        response = await client.post("/leads", json=body)
        assert response.status_code == 422, body
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["errors"], problem
    rows = await sql("SELECT id FROM lead_verifier.leads WHERE email = :e", e=email.lower())
    assert rows == []


async def test_an_idn_address_is_taken_and_an_unmailable_domain_is_422_on_email(
    client: httpx.AsyncClient, sql: SqlRunner
) -> None:
    accepted = await client.post("/leads", json=signup_body(email="Jürgen@Bücher.example"))
    assert accepted.status_code == 201, accepted.text
    for email in ("user@xn--zz.example", "user@exa_mple.example", "user@a\u200d.example"):
        refused = await client.post("/leads", json=signup_body(email=email))
        assert refused.status_code == 422, email
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert [e["loc"] for e in problem["errors"]] == [["body", "email"]], problem
        rows = await sql("SELECT id FROM lead_verifier.leads WHERE email = :e", e=email.lower())
        assert rows == []


async def test_a_second_lead_of_a_verified_address_is_refused_409(
    visitor: Visitor, sql: SqlRunner
) -> None:
    email = f"twice-{uuid.uuid4().hex[:8]}@example.com"
    first, first_code = await visitor.sign_up(email=email)
    second, second_code = await visitor.sign_up(email=email)
    ok = await visitor.verify(first, first_code)
    refused = await visitor.verify(second, second_code)
    assert ok.status_code == 200, ok.text
    problem = assert_problem(refused, 409, "conflict")
    assert problem["title"] == "Conflict"
    assert problem["detail"] == "This e-mail address has already been verified by another sign-up."
    (row,) = await sql(
        "SELECT attempts, used_at FROM lead_verifier.verification_codes WHERE lead_id = :id",
        id=second,
    )
    assert row.used_at is None, "a refused verification changes nothing"
