"""Which OpenID provider the gateway trusts, and how its claims become our roles."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import NoDecode

from service_kit.oidc_settings import OidcIssuerSettings
from tenant_api.identity.claims import RoleMap, parse_role_map


class IdentitySettings(OidcIssuerSettings):
    """Mixed into `TenantApiSettings`; every field is in the README's configuration table."""

    oidc_audience: str | None = Field(
        default=None,
        description="The `aud` of the provider's access tokens for this API"
        " (default: JWT_AUDIENCE).",
    )
    oidc_client_id: str | None = Field(
        default=None,
        description="The console's client at the provider (authorization code + PKCE).",
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="The console client's secret (none for a public client)."
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="Scopes the console asks for."
    )
    oidc_cli_client_id: str | None = Field(
        default=None, description="The public client `tenantctl login` uses (device flow)."
    )
    oidc_cli_scopes: str = Field(
        default="openid offline_access api",
        description="Scopes `tenantctl login` asks for: a refresh token (offline_access) and"
        " access to this API (the scope the provider grants for OIDC_AUDIENCE).",
    )
    role_claim: str = Field(
        default="role", description="The claim (text or list) that carries the role or groups."
    )
    tenant_claim: str = Field(
        default="tenant_id", description="The claim that carries a tenant user's tenant id."
    )
    role_map: Annotated[RoleMap, NoDecode, BeforeValidator(parse_role_map)] = Field(
        default=(),
        description="Provider group -> role, `cp-admins=admin,cp-operators=operator`; values of"
        " ROLE_CLAIM that are role names count as themselves.",
    )
    dev_sign_in: bool | None = Field(
        default=None,
        description="Development sign-in: tokens minted with JWT_SECRET for staff and tenants, and"
        " the console's pasted token. Default: on, except with ENVIRONMENT=production.",
    )

    @property
    def development_sign_in(self) -> bool:
        if self.dev_sign_in is not None:
            return self.dev_sign_in
        return getattr(self, "environment", "development") != "production"

    @property
    def api_audience(self) -> str:
        return self.oidc_audience or str(getattr(self, "jwt_audience", ""))

    @model_validator(mode="after")
    def _usable_provider(self) -> IdentitySettings:
        if self.oidc_issuer is None:
            for name in ("oidc_client_id", "oidc_cli_client_id"):
                if getattr(self, name):
                    raise ValueError(f"{name.upper()} needs OIDC_ISSUER")
        return self
