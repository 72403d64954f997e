"""The migration lock's key: fixed per schema, so every replica and release agrees on it."""

from __future__ import annotations

from service_kit.migration_lock import migration_lock_key


def test_the_key_is_fixed_for_a_schema() -> None:
    # Pinned: a release computing another key would migrate beside an older replica, not after it.
    assert migration_lock_key("tenant_api") == -1712971693375131597


def test_each_schema_has_a_key_of_its_own_within_bigint() -> None:
    schemas = ["tenant_api", "lead_verifier", "provisioner", "webhook_receiver", "notifier"]
    keys = {migration_lock_key(schema) for schema in schemas}
    assert len(keys) == len(schemas)
    assert all(-(2**63) <= key < 2**63 for key in keys)
