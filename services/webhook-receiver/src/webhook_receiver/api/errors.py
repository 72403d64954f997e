"""Problems the webhook routes answer; details stay generic on purpose."""

from __future__ import annotations

from typing import Any

from service_kit.problems import ProblemError


class CallbackUnauthorized(ProblemError):
    """Forged, expired, unknown or unsigned: the sender learns no more than that."""

    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self) -> None:
        super().__init__(
            "The callback's signature, timestamp or run could not be verified.",
            headers={"WWW-Authenticate": 'Signature realm="webhooks"'},
        )


class RunNotKnown(ProblemError):
    """No run is open for the tenant, maybe not yet: its announcement may still be on its way.

    Told apart from the other 401s (its own type, and Retry-After) so that a sender retries
    instead of giving up; it says no more than that no run was found for the claimed tenant."""

    status, title, slug = 401, "Unauthorized", "webhook-run-unknown"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "No run awaits a callback for this tenant (yet); retry later.",
            headers={
                "WWW-Authenticate": 'Signature realm="webhooks"',
                "Retry-After": str(retry_after),
            },
        )


class ContentTooLarge(ProblemError):
    status, title, slug = 413, "Content Too Large", "too-large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Webhook bodies are limited to {limit} bytes.")


class InvalidCallback(ProblemError):
    status, title, slug = 422, "Unprocessable Content", "validation"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("The callback body is not valid; see `errors`.", errors=errors)
