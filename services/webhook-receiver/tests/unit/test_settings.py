from __future__ import annotations

import pytest
from pydantic import ValidationError

from webhook_receiver.settings import WebhookReceiverSettings


def test_defaults() -> None:
    settings = WebhookReceiverSettings()
    assert settings.webhook_max_bytes == 65536
    assert settings.webhook_tolerance_seconds == 300
    assert settings.webhook_nonce_ttl == 86400
    assert settings.max_body_bytes > settings.webhook_max_bytes


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_body_bytes": 1000, "webhook_max_bytes": 1000},
        {"webhook_nonce_ttl": 600, "webhook_tolerance_seconds": 300},
    ],
)
def test_inconsistent_limits_are_refused(overrides: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        WebhookReceiverSettings(**overrides)  # type: ignore[arg-type]
