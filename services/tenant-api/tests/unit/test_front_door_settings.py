"""The front door refuses an inconsistent token configuration at start-up."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from service_kit.settings import ServiceSettings
from tenant_api.front_door_settings import FrontDoorSettings
from tenant_api.settings import TenantApiSettings


class FrontDoorOnly(ServiceSettings, FrontDoorSettings):
    """The mixin with the base settings only: other mixins' checks stay out of these tests."""


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"jwt_algorithm": "RS256"}, "needs JWT_JWKS_URL"),
        ({"jwt_jwks_url": "https://idp.example/jwks"}, "only used with JWT_ALGORITHM=RS256"),
        ({"jwt_algorithm": "RS256", "jwt_jwks_url": "file:///etc/keys"}, "http"),
        (
            {
                "jwt_algorithm": "RS256",
                "jwt_jwks_url": "http://idp.example/jwks",
                "environment": "production",
            },
            "https in production",
        ),
        ({"jwt_algorithm": "ES256"}, "HS256"),
        ({"trusted_proxies": "10.0.0.1,proxy"}, "trusted_proxies"),
    ],
)
def test_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FrontDoorOnly(**values)


def test_defaults_are_hs256_without_cors_or_hsts() -> None:
    settings = TenantApiSettings()
    assert settings.jwt_algorithm == "HS256"
    assert settings.jwt_jwks_url is None
    assert settings.cors_allow_origins == ()
    assert settings.hsts_seconds == 0
    assert (settings.public_api_max_attempts, settings.public_api_window_seconds) == (10, 60)
    assert (settings.auth_api_max_requests, settings.auth_api_window_seconds) == (600, 60)
    assert settings.jwks_cache_seconds == 300


def test_comma_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1,10.1.0.0/16")
    settings = TenantApiSettings()
    assert settings.cors_allow_origins == ("https://a.example", "https://b.example")
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.1/32", "10.1.0.0/16"]
