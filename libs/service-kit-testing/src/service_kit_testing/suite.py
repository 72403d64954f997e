"""A service suite's standard fixtures, made by one call in its conftest.

`migrated` applies the service's migrations once a run, `app` starts the service's app on the
`settings` its conftest defines, and `client` (where a host is given) calls that app in-process.
Made by a factory because only the service directory, the app factory and the host differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from fastapi import FastAPI

from service_kit_testing.apps import asgi_client, migrate_service, started
from service_kit_testing.infra import TestInfra


class ServiceFixtures(NamedTuple):
    migrated: Any
    app: Any
    client: Any


def service_fixtures(
    service_dir: Path, create_app: Callable[[Any], FastAPI], host: str
) -> ServiceFixtures:
    """The fixtures, to bind in a conftest: `migrated, app, client = service_fixtures(...)`."""

    @pytest.fixture(scope="session", name="migrated")
    async def migrated(infra: TestInfra) -> None:
        await migrate_service(service_dir, infra)

    @pytest.fixture(name="app")
    async def app(settings: Any, migrated: None) -> AsyncIterator[FastAPI]:
        async with started(create_app(settings)) as application:
            yield application

    @pytest.fixture(name="client")
    async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        async with asgi_client(app, host) as c:
            yield c

    return ServiceFixtures(migrated, app, client)
