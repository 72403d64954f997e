"""What a benchmark run owns, by name, and where the shared servers are."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

from service_kit.settings import ServiceSettings


class _RunName:
    """A name the run owns: `template` with its run id in place of `{}`."""

    def __init__(self, template: str) -> None:
        self._template = template

    def __get__(self, names: StackNames, owner: type[StackNames]) -> str:
        return self._template.format(names.run_id)


@dataclass(frozen=True)
class StackNames:
    """Everything this run owns, by name, so that it can all be removed afterwards."""

    run_id: str

    database = _RunName("cp_bench_{}")
    tenants_database = _RunName("cp_bench_{}_tenants")
    exchange = _RunName("cp-bench-{}.events")
    queue_prefix = _RunName("cp-bench-{}.")
    redis_prefix = _RunName("cp-bench-{}:")
    role_prefix = _RunName("b{}_")

    @classmethod
    def new(cls) -> StackNames:
        return cls(uuid.uuid4().hex[:8])


@dataclass(frozen=True)
class Infrastructure:
    """Where PostgreSQL, RabbitMQ and Redis are: DATABASE_URL etc. if set, else the defaults."""

    database_url: str
    rabbitmq_url: str
    redis_url: str

    @classmethod
    def from_env(cls) -> Infrastructure:
        defaults = ServiceSettings()
        return cls(
            database_url=os.environ.get("DATABASE_URL", defaults.database_url),
            rabbitmq_url=os.environ.get("RABBITMQ_URL", defaults.rabbitmq_url.get_secret_value()),
            redis_url=os.environ.get("REDIS_URL", defaults.redis_url),
        )

    def database(self, name: str, *, driver: str = "postgresql+asyncpg") -> str:
        url = make_url(self.database_url).set(drivername=driver, database=name)
        return url.render_as_string(hide_password=False)

    @property
    def admin_dsn(self) -> str:
        return self.database("postgres", driver="postgresql")


def redact(key: str, value: str) -> str:
    """Secrets never reach a result file: keys by name, passwords inside URLs."""
    if any(word in key for word in ("SECRET", "PASSWORD", "TOKEN", "MASTER_KEY")):
        return "<redacted>"
    parts = urlsplit(value)
    if parts.scheme and parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return value
