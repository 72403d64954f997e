"""The master keyring as configured, or why there is none: the vault then fails closed."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.domain.keyring import KeyringError, MasterKeyring, VaultKeyUnavailable
from tenant_api.vault.settings import VaultSettings

log = structlog.get_logger(__name__)


class VaultKeys:
    """Built once from the settings; a bad configuration never stops the service from starting."""

    def __init__(self, settings: VaultSettings) -> None:
        self._keyring: MasterKeyring | None = None
        self.problem: str | None = None
        try:
            self._keyring = MasterKeyring.parse(
                settings.vault_master_keys.get_secret_value(), settings.vault_master_key_version
            )
        except KeyringError as exc:
            self.problem = f"VAULT_MASTER_KEYS: {exc}"
        self._verified: set[int] = set()

    def keyring(self) -> MasterKeyring:
        if self._keyring is None:
            raise VaultKeyUnavailable(self.problem or "no master keys")
        return self._keyring

    async def readiness(self, unit_of_work: Callable[[], TenantApiUnitOfWork]) -> str:
        """ "ok" when a key is configured for every version in use and opens a sample of it."""
        if self._keyring is None:
            return f"unavailable: {self.problem}"
        async with unit_of_work() as uow:
            samples = await uow.vault.one_key_per_version()
        for sample in samples:
            version = sample.master_key_version
            if version in self._verified:
                continue
            try:
                self._keyring.unwrap(sample.wrapped_key, version, sample.tenant_id)
            except VaultKeyUnavailable as exc:
                log.error("vault master key unavailable", reason=str(exc))
                return f"unavailable: {exc}"
            self._verified.add(version)
        return "ok"
