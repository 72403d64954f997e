"""What a benchmark run owns, by name, and where the shared servers are."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

from service_kit.settings import ServiceSettings


@dataclass(frozen=True)
class StackNames:
    """Everything this run owns, by name, so that it can all be removed afterwards."""

    run_id: str

    @classmethod
    def new(cls) -> StackNames:
        return cls(uuid.uuid4().hex[:8])

    @property
    def database(self) -> str:
        return f"cp_bench_{self.run_id}"

    @property
    def tenants_database(self) -> str:
        return f"cp_bench_{self.run_id}_tenants"

    @property
    def exchange(self) -> str:
        return f"cp-bench-{self.run_id}.events"

    @property
    def queue_prefix(self) -> str:
        return f"cp-bench-{self.run_id}."

    @property
    def redis_prefix(self) -> str:
        return f"cp-bench-{self.run_id}:"

    @property
    def role_prefix(self) -> str:
        return f"b{self.run_id}_"


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
