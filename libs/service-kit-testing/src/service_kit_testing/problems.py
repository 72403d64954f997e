"""What a refusal of ours looks like on the wire: a problem document (RFC 9457) whose type is
one of the kit's problem URLs."""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM_TYPES = "https://controlplane.dev/problems/"


def assert_problem(response: httpx.Response, status: int, slug: str, **members: Any) -> Any:
    """`response` is the problem `slug` with `status`, served as `application/problem+json`.

    Given `members` (title, detail, instance, ...), the document is exactly those besides its
    type and status, nothing more. Returns the document, for further checks.
    """
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["status"]) == (PROBLEM_TYPES + slug, status)
    if members:
        assert problem == {"type": PROBLEM_TYPES + slug, "status": status, **members}
    return problem
