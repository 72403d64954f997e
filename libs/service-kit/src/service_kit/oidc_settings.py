"""The OpenID provider a service talks to (the gateway verifies its tokens, the provisioner
registers tenants' clients there): one setting, validated once for both."""

from __future__ import annotations

from pydantic import Field, model_validator

from service_kit.settings_mixin import SettingsMixin


def discovery_url(issuer: str) -> str:
    """Where a provider describes itself (OpenID Connect Discovery §4)."""
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


class OidcIssuerSettings(SettingsMixin):
    """Mixin; the field is in the README's configuration table."""

    oidc_issuer: str | None = Field(
        default=None,
        description="The OpenID provider's issuer URL, exactly as its tokens' `iss`; its"
        " /.well-known/openid-configuration gives the endpoints and keys.",
    )

    @model_validator(mode="after")
    def _issuer_is_a_url(self) -> OidcIssuerSettings:
        issuer = self.oidc_issuer
        if issuer is None:
            return self
        # Taken as the provider writes `iss`: Auth0's ends with a slash, Keycloak's does not.
        if not issuer.startswith(("https://", "http://")):
            raise ValueError("OIDC_ISSUER must be an http(s) URL")
        production = getattr(self, "environment", "development") == "production"
        if production and not issuer.startswith("https://"):
            raise ValueError("OIDC_ISSUER must use https in production")
        return self
