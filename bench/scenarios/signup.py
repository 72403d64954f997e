"""Scenario 5, sign-up: `POST /leads` through the gateway (forwarded to lead-verifier), each
request a new lead with its own e-mail address; the rate limit is lifted for the run."""

from __future__ import annotations

import json
import secrets
from typing import Any

from bench.http_raw import render
from bench.scenarios.base import Context, Scenario
from bench.scenarios.http_load import run_http_scenario

PER_SECOND_BUDGET = 4000  # distinct sign-ups rendered per second of the run
MAX_DISTINCT = 200_000


class SignUp(Scenario):
    name = "signup"
    title = "Sign-up: POST /leads"

    async def run(self, ctx: Context) -> dict[str, Any]:
        host = ctx.stack.gateway.removeprefix("http://")
        count = int(min(MAX_DISTINCT, PER_SECOND_BUDGET * ctx.options.duration))
        tag = secrets.token_hex(4)
        headers = {"Content-Type": "application/json"}

        def body(i: int) -> bytes:
            lead = {
                "firstName": "Ada",
                "lastName": f"Signup{i}",
                "companyName": f"Bench {tag} {i}",
                "email": f"lead{i}@s{tag}.bench.example",
                "address": {"address": "1 Loom St", "city": "London", "country": "GB"},
            }
            return json.dumps(lead).encode()

        requests = (
            render("POST", host, "/leads", headers=headers, body=body(i)) for i in range(count)
        )
        return await run_http_scenario(
            ctx,
            name=self.name,
            url=ctx.stack.gateway + "/",
            requests=requests,
            expected=frozenset({201}),
            params={"distinct_leads": count},
        )
