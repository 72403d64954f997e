"""What a run records about its configuration, and the names it owns."""

from __future__ import annotations

from pathlib import Path

from bench.infra import Infrastructure, StackNames, redact
from bench.stack import BenchStack


def test_secrets_never_reach_a_result_file() -> None:
    assert redact("JWT_SECRET", "abc") == "<redacted>"
    assert redact("TENANT_SECRETS_KEY", "abc") == "<redacted>"
    assert redact("VAULT_MASTER_KEYS", "v1:abc") == "<redacted>"
    assert redact("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/") == (
        "amqp://guest:***@127.0.0.1:5672/"
    )
    assert redact("LOG_LEVEL", "INFO") == "INFO"
    assert redact("DATABASE_URL", "postgresql://postgres@h:5432/db") == (
        "postgresql://postgres@h:5432/db"
    )


def test_everything_a_run_creates_carries_its_id() -> None:
    names = StackNames("1a2b3c4d")
    owned = [
        names.database,
        names.tenants_database,
        names.exchange,
        names.queue_prefix,
        names.redis_prefix,
        names.role_prefix,
    ]
    assert all("1a2b3c4d" in name for name in owned)
    assert names.database != "controlplane"
    # A role is prefix + tenant key (at most 20): PostgreSQL's 63-character limit holds.
    assert len(names.role_prefix) + 20 <= 63


def test_the_connection_budget_counts_every_process_of_every_service(tmp_path: Path) -> None:
    def stack(**overrides: str) -> BenchStack:
        infra = Infrastructure("postgresql+asyncpg://postgres@127.0.0.1/x", "amqp://", "redis://")
        return BenchStack(
            StackNames("1a2b3c4d"), infra, 18000, tmp_path / "log", overrides=overrides
        )

    # Five services, one process each, 10 pooled + 10 overflow connections per process.
    assert stack().connection_budget() == 100
    assert stack(DB_POOL_SIZE="4").connection_budget() == 40
    two_gateways = stack(TENANT_API_PROCESSES="2")
    assert two_gateways.processes("tenant-api") == 2
    assert two_gateways.processes("provisioner") == 1
    assert two_gateways.connection_budget() == 120
    assert stack(PROCESSES="2", NOTIFIER_PROCESSES="1").connection_budget() == 180
