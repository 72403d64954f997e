"""Test machinery for the suites, `make chaos` and `make bench`; never imported by a service.

The pytest plugins are `service_kit_testing.plugin` (fixtures) and
`service_kit_testing.hang_guard` (a hung test fails with stacks); the root `pyproject.toml`
loads both. The names below are what tests import.
"""

from service_kit_testing.apps import (
    asgi_client,
    chunked,
    migrate_service,
    served,
    served_client,
    started,
)
from service_kit_testing.cleanup import delete_exchange, delete_redis_keys
from service_kit_testing.events import (
    EventTap,
    Publish,
    publish_event,
    publish_raw,
    wait_for_queue_messages,
)
from service_kit_testing.infra import TestInfra, isolated_infra
from service_kit_testing.passwords import server_accepts_password
from service_kit_testing.plan_facts import standard_plan
from service_kit_testing.plans import CachedPlans, cached_plans, generic_plan, plan_database
from service_kit_testing.ports import free_port, free_port_base
from service_kit_testing.problems import assert_problem
from service_kit_testing.processes import child_processes, stop_process, worker_processes
from service_kit_testing.smtp import SmtpSink
from service_kit_testing.sql import SqlRunner, sql_runner
from service_kit_testing.suite import ServiceFixtures, service_fixtures
from service_kit_testing.tcp_proxy import TcpProxy, tcp_proxy

__all__ = [
    "CachedPlans",
    "EventTap",
    "Publish",
    "ServiceFixtures",
    "SmtpSink",
    "SqlRunner",
    "TcpProxy",
    "TestInfra",
    "asgi_client",
    "assert_problem",
    "cached_plans",
    "child_processes",
    "chunked",
    "delete_exchange",
    "delete_redis_keys",
    "free_port",
    "free_port_base",
    "generic_plan",
    "isolated_infra",
    "migrate_service",
    "plan_database",
    "publish_event",
    "publish_raw",
    "served",
    "served_client",
    "server_accepts_password",
    "service_fixtures",
    "sql_runner",
    "standard_plan",
    "started",
    "stop_process",
    "tcp_proxy",
    "wait_for_queue_messages",
    "worker_processes",
]
