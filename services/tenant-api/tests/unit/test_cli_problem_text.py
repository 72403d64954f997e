"""tenantctl prints what was wrong with a request, not only that it was."""

from __future__ import annotations

import httpx

from tenant_api.cli.gateway import problem_text


def test_field_errors_are_named() -> None:
    answer = httpx.Response(
        422,
        json={
            "title": "Unprocessable Content",
            "detail": "The request is not valid; see `errors`.",
            "errors": [
                {"loc": ["body", "reason"], "msg": "String should have at least 1 character"},
                {"loc": ["query", "limit"], "msg": "Input should be less than or equal to 200"},
            ],
        },
    )
    assert problem_text(answer) == (
        "reason: String should have at least 1 character; "
        "limit: Input should be less than or equal to 200"
    )


def test_otherwise_the_detail_or_the_text() -> None:
    assert (
        problem_text(httpx.Response(409, json={"detail": "It is REPLAYED."})) == "It is REPLAYED."
    )
    assert problem_text(httpx.Response(502, text="bad gateway")) == "bad gateway"
