"""Replicas starting together each make sure their database exists: one creates it, none fails."""

from __future__ import annotations

import asyncio

from sqlalchemy import make_url

from service_kit.migrations import drop_database, ensure_database
from service_kit_testing import TestInfra


async def test_replicas_racing_to_create_one_database_all_succeed(infra: TestInfra) -> None:
    url = (
        make_url(infra.database_url)
        .set(database=f"cp_test_{infra.run_id}_race")
        .render_as_string(hide_password=False)
    )
    try:
        for _ in range(3):  # the race is narrow; a few rounds make losing it likely
            created = await asyncio.gather(*(ensure_database(url) for _ in range(6)))
            assert created.count(True) == 1, created
            assert await ensure_database(url) is False, "it exists now"
            await drop_database(url)
    finally:
        await drop_database(url)
