"""How many rows the seeder writes: a year-old control plane's size, times `--growth-scale`."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# Where one event of the whole system lands: published outbox rows by writer, inbox rows by
# reader (tenant-api consumes most of the saga's events, into its read-model and timeline).
OUTBOX_SHARES = {
    "tenant_api": 0.35,
    "provisioner": 0.35,
    "webhook_receiver": 0.10,
    "notifier": 0.10,
    "lead_verifier": 0.10,
}
INBOX_SHARES = {
    "tenant_api": 0.50,
    "provisioner": 0.25,
    "notifier": 0.15,
    "webhook_receiver": 0.05,
    "lead_verifier": 0.05,
}


@dataclass(frozen=True)
class Volumes:
    """Row counts; per-tenant rows (steps, ledger, timeline) follow from `tenants`."""

    tenants: int = 100_000
    timeline_per_tenant: int = 20
    dead_letters: int = 50_000
    outbox: int = 1_000_000
    inbox: int = 2_000_000
    webhook_deliveries: int = 200_000
    # The relay's poll right after a burst: this many outbox rows written and then published
    # just before it is measured, their old versions not yet vacuumed.
    burst: int = 200_000

    @classmethod
    def at(cls, scale: float) -> Volumes:
        full = cls()
        counts = {k: v for k, v in asdict(full).items() if k != "timeline_per_tenant"}
        return cls(
            timeline_per_tenant=full.timeline_per_tenant,
            **{k: max(1, round(v * scale)) for k, v in counts.items()},
        )

    def recorded(self) -> dict[str, int]:
        return asdict(self)
