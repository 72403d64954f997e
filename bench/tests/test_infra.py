"""What a run records about its configuration, and the names it owns."""

from __future__ import annotations

from bench.infra import StackNames, redact


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
