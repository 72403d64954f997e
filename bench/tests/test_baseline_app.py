"""The yardstick app answers the route the `baseline` scenario sends, and validates its id as
the gateway's route does (so the two differ only by what our own code adds)."""

from __future__ import annotations

import json
import uuid

import httpx

from bench.baseline_app import create_app


async def test_it_answers_a_config_sized_body_for_a_uuid_and_refuses_anything_else() -> None:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://baseline") as client:
        tenant_id = uuid.uuid4()
        answer = await client.get(f"/tenants/{tenant_id}/config")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        assert json.loads(answer.content)["tenantId"] == str(tenant_id)
        assert 300 < len(answer.content) < 1000
        assert (await client.get("/tenants/not-a-uuid/config")).status_code == 422
