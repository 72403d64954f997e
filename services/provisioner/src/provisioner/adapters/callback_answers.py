"""What webhook-receiver's answer to a callback means for the sender: delivered, worth sending
again, or refused for good. Read from the problem's type, not the status alone: a 401 for a
run the receiver has not been told of yet passes later, one for a bad signature never does."""

from __future__ import annotations

from enum import Enum

import httpx

from service_kit.problems import PROBLEM_BASE

# The receiver's problem type for a run it does not know (yet): its announcement may be late.
RUN_UNKNOWN = PROBLEM_BASE + "webhook-run-unknown"


class Verdict(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    REFUSED = "refused"


def judge(response: httpx.Response) -> tuple[Verdict, str]:
    """The verdict, and a short reason for the log (the status and the problem type)."""
    status = response.status_code
    if 200 <= status < 300:
        return Verdict.DELIVERED, str(status)
    kind = _problem_type(response)
    why = f"{status} {kind}" if kind else str(status)
    if status == 429 or status >= 500:
        return Verdict.RETRY, why
    if status == 401 and kind == RUN_UNKNOWN:
        return Verdict.RETRY, why
    return Verdict.REFUSED, why


def _problem_type(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    kind = body.get("type") if isinstance(body, dict) else None
    return kind if isinstance(kind, str) else None
