"""While the database is away every request that needs it answers 503 with `Retry-After`, and
the service answers again once it is back; a database error of the code's own stays a 500."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from sqlalchemy import text

from service_kit.app import RuntimeDep, ServiceApp, build_app
from service_kit.runtime import kit_runtime
from service_kit.settings import ServiceSettings
from service_kit_testing import assert_problem, served_client, tcp_proxy


def _app(settings: ServiceSettings) -> ServiceApp:
    runtime = kit_runtime(settings, run_relay=False)
    app = build_app(runtime, title="kit")

    @app.get("/one")
    async def one(runtime: RuntimeDep) -> dict[str, int]:
        async with runtime.uow() as uow:
            return {"one": int(await uow.session.scalar(text("SELECT 1")) or 0)}

    @app.get("/bug")
    async def bug(runtime: RuntimeDep) -> dict[str, int]:
        async with runtime.uow() as uow:
            await uow.session.execute(text("SELECT * FROM no_such_table"))
        return {}

    @app.get("/elsewhere")
    async def elsewhere() -> dict[str, int]:
        raise ConnectionRefusedError("the mail server, not the database")

    return app


async def test_a_database_outage_answers_503_until_the_database_is_back(
    kit_settings: ServiceSettings, eventually: Callable[..., Awaitable[None]]
) -> None:
    real = urlsplit(kit_settings.database_url)
    async with tcp_proxy(real.hostname or "127.0.0.1", real.port or 5432) as proxy:
        through = real._replace(netloc=f"{real.username}@127.0.0.1:{proxy.port}").geturl()
        app = _app(kit_settings.model_copy(update={"database_url": through}))
        async with served_client(app) as client:
            up = await client.get("/one")
            assert (up.status_code, up.json()) == (200, {"one": 1})

            await proxy.cut()
            for _ in range(3):  # the pooled connection reset, then every new connect refused
                away = await client.get("/one")
                assert_problem(
                    away,
                    503,
                    "database-unavailable",
                    title="Service Unavailable",
                    detail="The database cannot be reached right now; try again shortly.",
                    instance="/one",
                )
                assert away.headers["retry-after"] == "5"
            # Not every failure near an outage is one: another dependency's refusal is a 500.
            other = await client.get("/elsewhere")
            assert other.status_code == 500
            assert "retry-after" not in other.headers

            await proxy.restore()

            async def answers_again() -> bool:
                back = await client.get("/one")
                return back.status_code == 200 and back.json() == {"one": 1}

            await eventually(answers_again, timeout=15, what="the service answering again")


async def test_a_query_of_the_codes_own_making_stays_a_500(kit_settings: ServiceSettings) -> None:
    app = _app(kit_settings)
    async with served_client(app) as client:
        bug = await client.get("/bug")
    assert bug.status_code == 500
    assert "retry-after" not in bug.headers
    assert bug.json()["title"] == "Internal Server Error"
    assert "no_such_table" not in bug.text
