"""Telling an engine away from a failure, and how long a step waits for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa_exc

from provisioner.adapters.engine_outages import engine_verdict
from provisioner.domain.outage import (
    EngineWait,
    backoff,
    engine_away,
    engine_reason,
    wait_for_engine,
)
from service_kit.db_outage import DatabaseUnreachable

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _raised(error: BaseException, *, by: BaseException) -> BaseException:
    """`by`, raised from `error` as a driver wraps what it met."""
    try:
        try:
            raise error
        except BaseException as inner:
            raise by from inner
    except BaseException as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(),
        TimeoutError(),
        OSError(113, "No route to host"),
        DatabaseUnreachable("cannot connect"),
        asyncpg.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.TooManyConnectionsError("too many clients"),
        asyncpg.TargetServerAttributeNotMatched("none of the hosts match read-write"),
        asyncpg.ReadOnlySQLTransactionError("cannot execute CREATE in a read-only transaction"),
        redis_errors.ConnectionError("Error 111 connecting"),
        redis_errors.TimeoutError("Timeout reading from socket"),
        redis_errors.ReadOnlyError("You can't write against a read only replica."),
        redis_errors.BusyLoadingError("Redis is loading the dataset in memory"),
    ],
)
def test_an_engine_away_is_told_apart_also_when_wrapped(error: BaseException) -> None:
    assert engine_away(error, engine_verdict) is error
    wrapped = _raised(error, by=sa_exc.OperationalError("INSERT", {}, RuntimeError("adapted")))
    assert engine_away(wrapped, engine_verdict) is error


@pytest.mark.parametrize(
    "error",
    [
        ValueError("unsafe identifier"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.UndefinedTableError("relation does not exist"),
        redis_errors.ResponseError("WRONGTYPE"),
        FileNotFoundError(2, "No such file", "/bin/provision"),
        PermissionError(13, "Permission denied"),
    ],
)
def test_a_fault_of_the_step_is_no_outage(error: BaseException) -> None:
    assert engine_away(error, engine_verdict) is None


def test_a_third_partys_refusal_is_no_outage_whatever_lies_beneath() -> None:
    refused = _raised(ConnectionRefusedError(111, "refused"), by=httpx.ConnectError("refused"))
    assert engine_away(refused, engine_verdict) is None


def test_a_cycle_of_contexts_ends_the_search() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert engine_away(a, engine_verdict) is None


def test_backoff_doubles_from_one_second_to_ten() -> None:
    assert [backoff(t) for t in (0, 0.5, 1, 2, 4, 8, 16, 600)] == [1, 1, 1, 2, 4, 8, 10, 10]


def test_the_wait_is_timed_from_the_outage_start_and_ends_on_the_budget() -> None:
    first = wait_for_engine(None, T0, 120)
    assert first == EngineWait(since=T0, delay=1.0)
    later = wait_for_engine(T0, T0 + timedelta(seconds=30), 120)
    assert later == EngineWait(since=T0, delay=10.0)
    last = wait_for_engine(T0, T0 + timedelta(seconds=117), 120)
    assert last == EngineWait(since=T0, delay=pytest.approx(3.0))
    assert wait_for_engine(T0, T0 + timedelta(seconds=120), 120) is None
    assert wait_for_engine(None, T0, 0) is None, "a tolerance of 0 counts every error at once"


def test_the_reason_names_the_error_and_the_budget() -> None:
    reason = engine_reason(ConnectionRefusedError(111, "Connect call failed"), 12.4, 120)
    assert reason == (
        "engine unavailable: ConnectionRefusedError: [Errno 111] Connect call failed"
        " (waiting 12s of 120s)"
    )
