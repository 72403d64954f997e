"""Telling an engine away from a failure, and how long to wait for it."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from redis import exceptions as redis_errors
from sqlalchemy import exc as sa_exc

from service_kit.db_outage import DatabaseUnreachable, is_database_outage
from service_kit.outage_rules import backoff, engine_away, next_wait
from service_kit.outages import engine_error, engine_verdict


def _raised(error: BaseException, *, by: BaseException) -> BaseException:
    """`by`, raised from `error` as a driver wraps what it met."""
    try:
        try:
            raise error
        except BaseException as inner:
            raise by from inner
    except BaseException as outer:
        return outer


class MailServerDown(ConnectionError):
    """A client of a dependency that is not an engine, whose errors are OSErrors."""


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
    assert engine_error(error) is error
    wrapped = _raised(error, by=sa_exc.OperationalError("INSERT", {}, RuntimeError("adapted")))
    assert engine_error(wrapped) is error


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
def test_a_fault_of_the_code_is_no_outage(error: BaseException) -> None:
    assert engine_error(error) is None


def test_a_third_partys_refusal_is_no_outage_whatever_lies_beneath() -> None:
    refused = _raised(ConnectionRefusedError(111, "refused"), by=httpx.ConnectError("refused"))
    assert engine_error(refused) is None


def test_a_foreign_dependency_named_by_the_caller_is_no_outage() -> None:
    down = _raised(ConnectionRefusedError(111, "refused"), by=MailServerDown("smtp refused"))
    assert engine_error(down) is not None, "unnamed, it looks like any refused socket"
    assert engine_error(down, foreign=(MailServerDown,)) is None
    # An engine error is still one when a foreign one is named but not met.
    assert engine_error(redis_errors.ConnectionError("x"), foreign=(MailServerDown,)) is not None


def test_a_cycle_of_contexts_ends_the_search() -> None:
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a
    assert engine_away(a, engine_verdict) is None


def test_backoff_doubles_from_one_second_to_ten() -> None:
    assert [backoff(t) for t in (0, 0.5, 1, 2, 4, 8, 16, 600)] == [1, 1, 1, 2, 4, 8, 10, 10]


def test_the_last_wait_ends_on_the_budget_and_then_there_is_none() -> None:
    assert next_wait(0, 120) == 1.0
    assert next_wait(30, 120) == 10.0
    assert next_wait(117, 120) == pytest.approx(3.0)
    assert next_wait(120, 120) is None
    assert next_wait(500, 120) is None
    assert next_wait(0, 0) is None, "a tolerance of 0 counts every error at once"
    assert next_wait(0.1, 0.5) == pytest.approx(0.4), "a budget shorter than the first step"


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.TargetServerAttributeNotMatched("none of the hosts match read-write"),
        asyncpg.ReadOnlySQLTransactionError("cannot execute INSERT in a read-only transaction"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
    ],
)
def test_a_failover_answers_503_as_consumers_wait_for_it(error: BaseException) -> None:
    # As SQLAlchemy's asyncpg adapter raises it: DBAPIError, its `orig` caused by the driver's.
    adapted = _raised(error, by=RuntimeError("adapted"))
    wrapped = sa_exc.DBAPIError("INSERT", {}, adapted)  # type: ignore[arg-type]
    assert is_database_outage(wrapped), "the HTTP side answers 503 with Retry-After"
    assert engine_error(wrapped) is not None, "the consumer side holds the delivery"
