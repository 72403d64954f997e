"""Which identity driver the provisioner runs with, and the provider settings it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from provisioner.settings import ProvisionerSettings

ISSUER = "https://login.example.com/realms/cp"


def settings(**values: Any) -> ProvisionerSettings:
    return ProvisionerSettings(**values)


@pytest.mark.parametrize(
    ("values", "driver"),
    [
        ({}, "none"),
        ({"oidc_issuer": ISSUER}, "oidc-dcr"),
        ({"oidc_issuer": ISSUER, "identity_driver": "none"}, "none"),
    ],
)
def test_the_driver_follows_the_issuer_unless_named(values: dict[str, Any], driver: str) -> None:
    assert settings(**values).identity_driver_name == driver


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"identity_driver": "oidc-dcr"}, "needs OIDC_ISSUER"),
        ({"oidc_issuer": "idp.internal/realms/cp"}, "an http\\(s\\) URL"),
        ({"oidc_issuer": "http://idp.internal", "environment": "production"}, "must use https"),
        ({"oidc_issuer": ISSUER, "identity_redirect_path": "callback"}, "start with /"),
    ],
)
def test_an_unusable_provider_is_refused(values: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        settings(**values)


def test_extra_client_metadata_is_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_CLIENT_METADATA", '{"application_type": "web"}')
    assert settings().identity_client_metadata == {"application_type": "web"}
