"""An HA rehearsal stack on one machine, without Docker: `make ha` / `make ha-down`.

Three RabbitMQ nodes in a cluster, etcd with two Patroni PostgreSQL nodes, a Redis master and
replica watched by three sentinels, and the five services (two processes each) against them.
`HaStack.load("var/ha/ha.env")` is the control API tools use to break and mend the engines; the
single-node helpers (`PrivateRabbit`, `PrivatePostgres`, `PrivateRedis`) serve restart
scenarios. Everything is synchronous: async callers wrap it in `asyncio.to_thread`.
"""

from .patroni import PrivatePostgres
from .rabbit import PrivateRabbit
from .redis import PrivateRedis
from .stack import HaStack

__all__ = ["HaStack", "PrivatePostgres", "PrivateRabbit", "PrivateRedis"]
