"""Which driver errors mean one of the service's engines (PostgreSQL, Redis) is away, rather
than a fault of the code or of a third party.

PostgreSQL refusing, resetting or restarting, out of connection slots, or a failover's former
primary now read-only; Redis unreachable, loading, or a demoted master refusing writes.
"""

from __future__ import annotations

import httpx
from redis import exceptions as redis_errors

from service_kit.db_outage import DRIVER_OUTAGES, DatabaseUnreachable, is_database_outage
from service_kit.outage_rules import engine_away

_AWAY: tuple[type[BaseException], ...] = (
    *DRIVER_OUTAGES,  # PostgreSQL, as the HTTP answers see it
    DatabaseUnreachable,
    redis_errors.ConnectionError,  # also Sentinel's MasterNotFoundError and BusyLoadingError
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,  # a demoted master still answering
)

# Not an engine of ours, whatever lies beneath: a third party's HTTP API failing is a failure
# of the work that called it; an OSError about a file (a missing command) is no outage.
_NOT_AWAY: tuple[type[BaseException], ...] = (
    httpx.HTTPError,
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def engine_verdict(error: BaseException) -> bool | None:
    """Whether this one error says a database or Redis cannot serve now; None: ask its cause."""
    if isinstance(error, _NOT_AWAY):
        return False
    if isinstance(error, _AWAY) or is_database_outage(error):
        return True
    return None


def engine_error(
    exc: BaseException, foreign: tuple[type[BaseException], ...] = ()
) -> BaseException | None:
    """The error in `exc`'s chain that says an engine is away; None for any other failure.

    `foreign` names the errors of dependencies that are not engines (a mail server's client,
    say): a failure raised as one of them is no outage, even when a refused socket lies beneath.
    """

    def verdict(error: BaseException) -> bool | None:
        return False if isinstance(error, foreign) else engine_verdict(error)

    return engine_away(exc, verdict)
