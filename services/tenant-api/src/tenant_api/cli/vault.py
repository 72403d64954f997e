"""`tenantctl vault rotate`: re-wrap every tenant's data key under the current master key.

Unlike the other commands it does not go through the gateway: it connects to the database at
$DATABASE_URL with the master keys in $VAULT_MASTER_KEYS, the same settings as tenant-api. Each
tenant is re-wrapped in a short transaction of its own, so the service keeps serving meanwhile
(readers unwrap with whichever version the row names), and a second run changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from service_kit.logging import configure_logging
from tenant_api.adapters.database import DatabaseUnavailable, units_of_work
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.cli.gateway import CliError, settings
from tenant_api.domain.keyring import KeyringError, MasterKeyring, VaultKeyUnavailable
from tenant_api.settings import TenantApiSettings
from tenant_api.vault import use_cases as vault

ACTOR = "tenantctl vault rotate"


@dataclass
class RotationReport:
    current_version: int
    versions: tuple[int, ...]
    total: int = 0
    rewrapped: int = 0
    already_current: int = 0
    failed: list[UUID] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.rewrapped + self.already_current + len(self.failed)


async def rotate(
    config: TenantApiSettings,
    *,
    batch_size: int = 100,
    echo: Callable[[str], None] = print,
) -> RotationReport:
    """Re-wrap every data key not under the current master key; failures are left as they are."""
    try:
        keyring = MasterKeyring.parse(
            config.vault_master_keys.get_secret_value(), config.vault_master_key_version
        )
    except KeyringError as exc:
        raise CliError(f"VAULT_MASTER_KEYS: {exc}") from exc
    report = RotationReport(keyring.current_version, keyring.versions)
    try:
        async with units_of_work(config) as uow:
            async with uow() as u:
                report.total = await u.vault.keys_to_rewrap(keyring.current_version)
            current = keyring.current_version
            echo(f"{report.total} data key(s) to re-wrap under master key v{current}")
            after: UUID | None = None
            while True:
                async with uow() as u:
                    batch = await u.vault.tenants_to_rewrap(
                        keyring.current_version, after=after, limit=batch_size
                    )
                if not batch:
                    break
                for tenant_id in batch:
                    await _rewrap_one(uow, keyring, tenant_id, report)
                after = batch[-1]
                echo(f"{report.done}/{max(report.total, report.done)}")
    except DatabaseUnavailable as exc:
        raise CliError(str(exc)) from exc
    return report


async def _rewrap_one(
    uow: Callable[[], TenantApiUnitOfWork],
    keyring: MasterKeyring,
    tenant_id: UUID,
    report: RotationReport,
) -> None:
    async with uow() as u:
        try:
            outcome = await vault.rewrap(u, keyring, tenant_id=tenant_id, actor=ACTOR)
        except VaultKeyUnavailable:
            await u.commit()  # the failure's audit row
            report.failed.append(tenant_id)
            return
        await u.commit()
    if outcome is vault.Rewrap.REWRAPPED:
        report.rewrapped += 1
    else:
        report.already_current += 1  # done by a concurrent run, or the tenant is gone


def run(args: argparse.Namespace) -> None:
    """`tenantctl vault rotate` (its parser is in `tenant_api.cli.main`)."""
    if args.batch_size < 1:
        raise CliError("--batch-size must be at least 1")
    configure_logging("tenantctl", "WARNING", "console")  # failures, one line each, on stderr
    report = asyncio.run(rotate(settings(), batch_size=args.batch_size))
    print(
        f"re-wrapped {report.rewrapped}, already current {report.already_current}, "
        f"failed {len(report.failed)}; master key v{report.current_version} is current"
    )
    if report.failed:
        listed = ", ".join(str(t) for t in report.failed[:10])
        more = f" and {len(report.failed) - 10} more" if len(report.failed) > 10 else ""
        raise CliError(
            f"{len(report.failed)} tenant data key(s) cannot be unwrapped with any known master "
            f"key ({', '.join(f'v{v}' for v in report.versions)}) and were left as they are: "
            f"{listed}{more}. Add the master key they were wrapped with to VAULT_MASTER_KEYS "
            "and run again; do not remove an old key before this succeeds."
        )
