"""The single-node target: one private PostgreSQL, RabbitMQ and Redis of the suite's own
(deploy/ha's `Private*`, on free ports, files in the run's directory) and the services as one
process each against them, so that restarting an engine is a real restart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from chaos.engines import SingleEngine
from chaos.supervised import supervised_target
from chaos.target import Target
from deploy.ha import PrivatePostgres, PrivateRabbit, PrivateRedis
from deploy.ha.procs import free_ports
from service_kit_testing import TestInfra


@dataclass
class SingleEngines:
    postgres: PrivatePostgres
    rabbit: PrivateRabbit
    redis: PrivateRedis

    @property
    def servers(self) -> tuple[str, str, str]:
        return self.postgres.url, self.rabbit.url, self.redis.url

    def restartable(self) -> dict[str, SingleEngine]:
        # kill -9 then start: a Redis without persistence comes back empty.
        return {
            "postgres": SingleEngine(self.postgres.stop, self.postgres.start),
            "rabbitmq": SingleEngine(self.rabbit.stop, self.rabbit.start),
            "redis": SingleEngine(self.redis.kill, self.redis.start),
        }


@contextmanager
def single_engines(directory: Path) -> Iterator[SingleEngines]:
    """The three engines started (about 15 s), stopped when the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)  # PostgreSQL runs as `postgres`
    pg_port, amqp, dist, epmd, redis_port = free_ports(5)
    with ExitStack() as stack:
        postgres = PrivatePostgres(directory / "postgres", pg_port)
        postgres.start()
        stack.callback(postgres.stop)
        rabbit = PrivateRabbit(directory / "rabbit", amqp, dist, epmd)
        rabbit.start()
        stack.callback(rabbit.close)
        redis = PrivateRedis(directory / "redis", redis_port)
        redis.start()
        stack.callback(redis.stop)
        yield SingleEngines(postgres, rabbit, redis)


def single_target(
    engines: SingleEngines, infra: TestInfra, directory: Path
) -> AbstractAsyncContextManager[Target]:
    """One process per service on the private engines, which the faults may restart."""
    return supervised_target("single", infra, directory, restartable=engines.restartable())
