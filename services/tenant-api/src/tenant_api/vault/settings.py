"""The credential vault's master keys (environment; see the README's configuration table)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from service_kit.settings_mixin import SettingsMixin

# 32 bytes ("dev-only-vault-master-key-32byte"), base64: fine on a laptop, refused in production.
DEV_VAULT_MASTER_KEY = "ZGV2LW9ubHktdmF1bHQtbWFzdGVyLWtleS0zMmJ5dGU="


class VaultSettings(SettingsMixin):
    """Mixed into `TenantApiSettings`; also read by `tenantctl vault rotate`."""

    vault_master_keys: SecretStr = Field(
        default=SecretStr(f"v1:{DEV_VAULT_MASTER_KEY}"),
        description="`v2:<base64 32 bytes>,v1:<base64 32 bytes>`: the first wraps, all unwrap.",
    )
    vault_master_key_version: int | None = Field(
        default=None, ge=1, description="The version that wraps new data keys (default: first)."
    )
    vault_tenant_revealable: str = Field(
        default="database",
        pattern=r"^([a-z0-9-]{2,50}(,[a-z0-9-]{2,50})*)?$",
        description="Providers whose credential a tenant may reveal for itself (comma-separated):"
        " by default its database login, which the provisioner hands over to be used.",
    )

    @property
    def tenant_revealable(self) -> frozenset[str]:
        return frozenset(p for p in self.vault_tenant_revealable.split(",") if p)

    @model_validator(mode="after")
    def _refuse_dev_vault_key(self) -> VaultSettings:
        production = getattr(self, "environment", "development") == "production"
        if production and DEV_VAULT_MASTER_KEY in self.vault_master_keys.get_secret_value():
            raise ValueError("VAULT_MASTER_KEYS must not carry the development key in production")
        return self
