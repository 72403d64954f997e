"""Multi-host PostgreSQL URLs: the one accepted form, and the forms that would lose a host."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service_kit.database_urls import (
    DatabaseHost,
    DatabaseUrlError,
    asyncpg_dsn,
    check_database_url,
    database_hosts,
    database_name,
)
from service_kit.settings import ServiceSettings

MULTI = "postgresql+asyncpg://app:s3cret@/cp?host=db1,db2&port=5433,5434&target_session_attrs=read-write"


def test_the_multi_host_form_keeps_every_host_and_port_in_order() -> None:
    assert database_hosts(MULTI) == [DatabaseHost("db1", 5433), DatabaseHost("db2", 5434)]
    assert database_name(MULTI) == "cp"


def test_hosts_without_ports_get_the_default_port() -> None:
    url = "postgresql://u@/cp?host=db1,db2"
    assert database_hosts(url) == [DatabaseHost("db1", 5432), DatabaseHost("db2", 5432)]


def test_a_single_host_url_and_a_socket_directory_are_read_as_before() -> None:
    assert database_hosts("postgresql+asyncpg://u@pg:6000/cp") == [DatabaseHost("pg", 6000)]
    assert database_hosts("postgresql://u@/cp") == [DatabaseHost("127.0.0.1", 5432)]
    socket_host = database_hosts("postgresql+asyncpg://u@/cp?host=/var/run/postgresql")
    assert socket_host == [DatabaseHost("/var/run/postgresql", 5432)]
    assert socket_host[0].socket_path == "/var/run/postgresql/.s.PGSQL.5432"


def test_the_asyncpg_dsn_keeps_every_host_port_and_target_session_attrs() -> None:
    from asyncpg.connect_utils import _parse_connect_dsn_and_args

    dsn = asyncpg_dsn(MULTI)
    assert dsn.startswith("postgresql://app:s3cret@/cp?")
    params = _parse_connect_dsn_and_args(
        dsn=dsn, host=None, port=None, user=None, password=None, passfile=None,
        database=None, ssl=None, service=None, servicefile=None, direct_tls=None,
        server_settings=None, target_session_attrs=None, krbsrvname=None, gsslib=None,
    )  # fmt: skip
    addrs, conn_params = params
    assert addrs == [("db1", 5433), ("db2", 5434)]
    assert conn_params.database == "cp"
    assert conn_params.target_session_attrs.value == "read-write"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+asyncpg://u@/cp?host=db1:5433&host=db2:5434", "repeats `host=`"),
        ("postgresql+asyncpg://u@/cp?host=db1,db2&port=1&port=2", "repeats `port=`"),
        ("postgresql://u@db1:5433,db2:5434/cp", "several hosts before the database name"),
        ("postgresql+asyncpg://u@/cp?host=db1,db2&port=5433", "2 host(s) but 1 port(s)"),
        ("postgresql+asyncpg://u@/cp?host=db1&port=5433,5434", "1 host(s) but 2 port(s)"),
        ("postgresql+asyncpg://u@db0/cp?host=db1,db2", "both before the database name and in"),
        ("postgresql+asyncpg://u@/cp?host=db1:5433,db2:5434", "a port inside `host=`"),
        ("postgresql+asyncpg://u@/cp?host=db1,,db2", "an empty entry"),
        ("postgresql+asyncpg://u@/cp?host=db1&port=x", "not a number"),
        ("mysql://u@db1/cp", "postgresql://"),
    ],
)
def test_forms_that_would_lose_a_host_are_refused(url: str, says: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        check_database_url(url)
    assert says in str(caught.value)


def test_settings_refuse_a_lossy_url_at_start_without_printing_the_password() -> None:
    with pytest.raises(ValidationError) as caught:
        ServiceSettings(database_url="postgresql+asyncpg://u:hunter2-pw@/cp?host=a:1&host=b:2")
    message = str(caught.value)
    assert "DATABASE_URL repeats `host=`" in message
    assert "hunter2-pw" not in message


def test_settings_hand_asyncpg_every_host() -> None:
    settings = ServiceSettings(database_url=MULTI)
    assert settings.asyncpg_dsn == asyncpg_dsn(MULTI)
