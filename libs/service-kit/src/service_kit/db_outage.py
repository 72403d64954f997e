"""Telling a database that cannot be reached from a query that is wrong.

A request that fails because PostgreSQL is away (refused, reset, restarting, the pool exhausted)
is worth retrying and answers 503; any other database error is a bug and stays a 500.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import ConnectionPoolEntry


class DatabaseUnreachable(Exception):
    """A new connection to the database could not be opened."""


# asyncpg's errors for a server that is there but will not serve: starting, shutting down,
# out of connection slots, a connection that died under a statement, or a failover under way
# (no read-write host yet, or the former primary still answering read-only). The one list the
# HTTP answers (503) and the consumers' outage handling (`service_kit.outages`) both use.
DRIVER_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, timed out (TimeoutError is an OSError)
    asyncpg.PostgresConnectionError,  # ConnectionDoesNotExistError among them
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.OperatorInterventionError,  # admin/crash shutdown, query cancelled
    asyncpg.TargetServerAttributeNotMatched,
    asyncpg.ReadOnlySQLTransactionError,
)


# Every exception `is_database_outage` may answer yes for, to register handlers on.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    DatabaseUnreachable,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
    sa_exc.DBAPIError,
)


def connect_or_unreachable(
    dialect: Dialect, _record: ConnectionPoolEntry, cargs: Any, cparams: Any
) -> Any:
    """The engine's `do_connect`: a failed connect raises `DatabaseUnreachable`.

    asyncpg lets a refused or reset connect escape as a bare `OSError`, which looks like any
    other I/O failure (SMTP, an HTTP call); naming it here lets the error handler tell them apart.
    """
    try:
        return dialect.connect(*cargs, **cparams)
    except DRIVER_OUTAGES as exc:
        raise DatabaseUnreachable(f"cannot connect to the database: {type(exc).__name__}") from exc


def is_database_outage(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached now, rather than a fault of the code."""
    if isinstance(exc, DATABASE_ERRORS) and not isinstance(exc, sa_exc.DBAPIError):
        return True  # a failed connect, a pool checkout timeout, a connection refused at checkout
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        # The adapter's error wraps asyncpg's own as its cause.
        driver = exc.orig.__cause__ if exc.orig is not None else None
        return isinstance(driver, DRIVER_OUTAGES)
    return False
