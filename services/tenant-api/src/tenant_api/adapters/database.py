"""tenant-api's unit of work outside the service (`tenantctl vault rotate`): an engine of its
own, and a database failure told in one line that names the server, never its password."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from service_kit.db import make_engine, make_sessionmaker
from service_kit.outbox import notify_channel
from tenant_api.adapters.unit_of_work import TenantApiUnitOfWork
from tenant_api.settings import TenantApiSettings


class DatabaseUnavailable(Exception):
    """The database refused or could not be reached; the message says where and why."""


@asynccontextmanager
async def units_of_work(
    settings: TenantApiSettings,
) -> AsyncIterator[Callable[[], TenantApiUnitOfWork]]:
    """Units of work on one connection to $DATABASE_URL, disposed of at the end."""
    engine = make_engine(
        settings.database_url,
        schema=settings.db_schema,
        pool_size=1,
        pooling=settings.database_pooling,
    )
    sessions = make_sessionmaker(engine)
    channel = notify_channel(settings.db_schema)
    try:
        yield lambda: TenantApiUnitOfWork(sessions, channel)
    except DBAPIError as exc:
        reason = (str(exc.orig).splitlines() or [type(exc.orig).__name__])[0]
        raise DatabaseUnavailable(f"database error at {_where(settings)}: {reason}") from exc
    except OSError as exc:
        raise DatabaseUnavailable(
            f"cannot reach the database at {_where(settings)} ({exc})"
        ) from exc
    finally:
        await engine.dispose()


def _where(settings: TenantApiSettings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)
