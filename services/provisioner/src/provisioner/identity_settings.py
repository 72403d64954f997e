"""Which OpenID provider the `identity` step registers each tenant's client at (RFC 7591)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import NoDecode

from service_kit.oidc_settings import OidcIssuerSettings

IdentityDriverName = Literal["oidc-dcr", "none"]


def _json_object(value: object) -> object:
    if isinstance(value, str):
        return json.loads(value) if value.strip() else {}
    return value


class IdentityStepSettings(OidcIssuerSettings):
    """Mixed into `ProvisionerSettings`; every field is in the README's configuration table."""

    identity_driver: IdentityDriverName | None = Field(
        default=None,
        description="`oidc-dcr`: the identity step registers each tenant's OpenID client at"
        " OIDC_ISSUER; `none`: no identity step. Default: `oidc-dcr` when OIDC_ISSUER is set.",
    )
    identity_initial_access_token: SecretStr | None = Field(
        default=None,
        description="The provider's initial access token for registration (RFC 7591 §3);"
        " unset: open registration.",
    )
    identity_redirect_path: str = Field(
        default="/oidc/callback",
        description="Appended to the tenant's app URL (TENANT_APP_URL_TEMPLATE): its redirect URI.",
    )
    identity_client_metadata: Annotated[dict[str, Any], NoDecode, BeforeValidator(_json_object)] = (
        Field(
            default_factory=dict,
            description="Extra client metadata (JSON object) sent with every registration; the"
            " step's own fields (client_name, redirect_uris, grant and response types, auth method)"
            " win.",
        )
    )
    identity_timeout: float = Field(
        default=10.0, gt=0, description="Seconds one call to the provider may take."
    )

    @property
    def identity_driver_name(self) -> IdentityDriverName:
        if self.identity_driver is not None:
            return self.identity_driver
        return "oidc-dcr" if self.oidc_issuer else "none"

    @model_validator(mode="after")
    def _usable_provider(self) -> IdentityStepSettings:
        if self.identity_driver_name == "none":
            return self
        if not self.oidc_issuer:
            raise ValueError("IDENTITY_DRIVER=oidc-dcr needs OIDC_ISSUER")
        if not self.identity_redirect_path.startswith("/"):
            raise ValueError("IDENTITY_REDIRECT_PATH must start with /")
        return self
