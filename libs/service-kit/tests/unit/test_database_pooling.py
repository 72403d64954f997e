"""DATABASE_POOLING and DATABASE_DIRECT_URL: what goes through a transaction-mode pooler, what
goes to the server itself, and how connections are opened either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service_kit.database_urls import asyncpg_dsn
from service_kit.db_pooling import asyncpg_connect_args, engine_connect_args
from service_kit.settings import ServiceSettings

POOLER = "postgresql+asyncpg://svc:pooler-pw@cluster-pooler-rw:5432/controlplane"
SERVER = "postgresql+asyncpg://svc:server-pw@cluster-rw:5432/controlplane"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DATABASE_DIRECT_URL", "DATABASE_POOLING"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)


def test_without_a_pooler_everything_uses_the_database_url() -> None:
    settings = ServiceSettings(database_url=SERVER)
    assert settings.database_pooling == "direct"
    assert settings.direct_database_url == SERVER
    assert settings.asyncpg_direct_dsn == settings.asyncpg_dsn == asyncpg_dsn(SERVER)


def test_behind_a_pooler_sessions_go_to_the_direct_url() -> None:
    settings = ServiceSettings(
        database_url=POOLER, database_direct_url=SERVER, database_pooling="transaction"
    )
    assert settings.direct_database_url == SERVER
    assert settings.asyncpg_direct_dsn == asyncpg_dsn(SERVER)
    assert settings.asyncpg_dsn == asyncpg_dsn(POOLER)


@pytest.mark.parametrize("direct", [None, "", POOLER])
def test_a_transaction_pooler_without_a_distinct_direct_url_is_refused(
    direct: str | None,
) -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(
            database_url=POOLER, database_direct_url=direct, database_pooling="transaction"
        )
    message = str(refused.value)
    assert "DATABASE_POOLING=transaction needs DATABASE_DIRECT_URL" in message
    assert "pooler-pw" not in message


def test_the_direct_url_is_a_secret_read_from_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "direct-url"
    secret.write_text(SERVER + "\n")
    monkeypatch.setenv("DATABASE_URL", POOLER)
    monkeypatch.setenv("DATABASE_DIRECT_URL_FILE", str(secret))
    monkeypatch.setenv("DATABASE_POOLING", "transaction")
    assert ServiceSettings().direct_database_url == SERVER


def test_a_direct_url_that_would_lose_a_host_is_refused_by_its_name() -> None:
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(database_direct_url="postgresql+asyncpg://u:pw@/cp?host=a:1&host=b:2")
    assert "DATABASE_DIRECT_URL repeats `host=`" in str(refused.value)


def test_direct_connections_name_their_schema_at_start_up_and_cache_statements() -> None:
    assert engine_connect_args("tenant_api", "direct") == {
        "server_settings": {"search_path": "tenant_api", "application_name": "tenant_api"}
    }
    assert asyncpg_connect_args("tenant_api", "direct") == engine_connect_args(
        "tenant_api", "direct"
    )


def test_pooled_connections_send_no_search_path_and_prepare_nothing_by_name() -> None:
    plain = asyncpg_connect_args("tenant_api", "transaction")
    assert plain == {
        "server_settings": {"application_name": "tenant_api"},
        "statement_cache_size": 0,
    }
    engine = engine_connect_args("tenant_api", "transaction")
    assert engine["prepared_statement_cache_size"] == 0
    assert engine["prepared_statement_name_func"]() == ""
    assert {k: v for k, v in engine.items() if not k.startswith("prepared_")} == plain
