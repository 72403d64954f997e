"""Scenario `growth`: every read and saga statement that might grow with the data, measured on
the run's nearly empty database (the 20 read tenants), then again after seeding it to a
year-old control plane's size in SQL; the ratio of the two is the result."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from bench.growth import phase, report
from bench.growth.http_reads import ReadSamples
from bench.growth.seeder import page_floor, seed
from bench.growth.service_calls import Samples
from bench.growth.volumes import Volumes
from bench.scenarios.base import Context, Scenario
from bench.scenarios.fixtures import active_tenants


async def _key_pipeline(dsn: str, tenant_id: UUID) -> UUID:
    conn = await asyncpg.connect(dsn)
    try:
        found = await conn.fetchval(
            "SELECT pipeline_id FROM provisioner.api_keys WHERE tenant_id = $1 LIMIT 1", tenant_id
        )
    finally:
        await conn.close()
    if found is None:
        raise RuntimeError(f"read tenant {tenant_id} has no key made by its pipeline")
    return UUID(str(found))


class Growth(Scenario):
    name = "growth"
    title = "Data volume: each figure on an empty and on a year-old database"
    opt_in = True  # minutes long, and it leaves the run's database seeded

    async def run(self, ctx: Context) -> dict[str, Any]:
        o = ctx.options
        stack = ctx.stack
        dsn = stack.infra.database(stack.names.database, driver="postgresql")
        tenants = await active_tenants(ctx, o.read_tenants)
        tenant_id = UUID(tenants[0]["id"])
        samples = Samples(await _key_pipeline(dsn, tenant_id), stack.names.role_prefix)
        reads = ReadSamples(tenants[0]["key"][:5], tenant_id)
        volumes = Volumes.at(o.growth_scale)
        await page_floor(dsn)
        empty = await phase.measure(ctx, "empty", samples, reads, volumes)
        seeding = await seed(
            dsn, volumes, name_prefix=stack.names.role_prefix, say=ctx.progress.console.print
        )
        seeded = await phase.measure(ctx, "seeded", samples, reads, volumes)
        table = report.rows(empty, seeded)
        ratios = [row["ratio"] for row in table if row["ratio"] is not None]
        return {
            "params": {"scale": o.growth_scale, "volumes": volumes.recorded()},
            "seed": seeding.recorded(),
            "phases": {"empty": empty, "seeded": seeded},
            "figures": table,
            "webhook_deliveries_pageable": seeded["webhook_deliveries"].get("pageable"),
            "metrics": {
                "worst_ratio": max(ratios, default=None),
                "figures_within_goal": sum(1 for row in table if row["within_goal"]),
                "figures": len(table),
            },
        }
