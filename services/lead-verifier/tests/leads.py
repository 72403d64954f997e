"""Leads made through the app as a visitor makes them: a sign-up, then the verification with the
code the e-mail carries (read, as the notifier reads it, from the link sealed in `lead.created`)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from lead_verifier.settings import LeadVerifierSettings
from shared_schemas.events import LeadCreated, verification_link_binding


def signup_body(**over: Any) -> dict[str, Any]:
    body = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "companyName": "Analytical Engines",
        "email": f"ada-{uuid.uuid4().hex[:8]}@engines.example",
        "address": {"address": "1 Loom St", "city": "London", "zip": "N1", "country": "GB"},
    }
    body.update(over)
    return body


def opened_link(event: LeadCreated, settings: LeadVerifierSettings) -> str:
    """The link sealed in `lead.created`, opened as the notifier opens it."""
    assert event.data.verification_link is not None
    return settings.link_keyring().open(
        event.data.verification_link, verification_link_binding(event.data.lead_id)
    )


class Visitor:
    """Signs up and verifies through `client`; `tap` (on `lead.*`) sees what the service
    published."""

    def __init__(self, client: httpx.AsyncClient, tap: Any, settings: LeadVerifierSettings) -> None:
        self.client = client
        self.tap = tap
        self.settings = settings

    async def sign_up(self, **over: Any) -> tuple[str, str]:
        """Sign up; return (lead id, code taken from the link sealed in `lead.created`)."""
        response = await self.client.post("/leads", json=signup_body(**over))
        assert response.status_code == 201, response.text
        lead_id = response.json()["id"]
        (event,) = await self.tap.wait_for(
            "lead.created", where=lambda e: str(e.data.lead_id) == lead_id
        )
        query = parse_qs(urlsplit(opened_link(event, self.settings)).query)
        assert query["id"] == [lead_id]
        return lead_id, query["code"][0]

    async def verify(
        self, lead_id: str, code: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """Present `code` for the lead, as its verification link does (with any `headers`)."""
        bearer = {"Authorization": f"Bearer {code}"}
        return await self.client.post(
            f"/leads/{lead_id}/verify", headers={**bearer, **(headers or {})}
        )
