"""One pass over every figure, on the database as it is: the reads, the saga, then a burst
through the outbox and the relay's poll once autovacuum has had its chance to react."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import asdict
from typing import Any

import asyncpg

from bench.growth import http_reads, seeder, service_calls
from bench.growth.http_reads import ReadSamples
from bench.growth.service_calls import Samples
from bench.growth.volumes import Volumes
from bench.http_raw import render, write_requests
from bench.scenarios.base import Context
from bench.scenarios.saga import run_loadgen, tenant_mix
from bench.wrk_runner import WrkSettings, run_wrk

BURST_SCHEMA = "provisioner"  # the busiest outbox of the saga


async def _key_prefix_rps(ctx: Context, path: str, name: str) -> dict[str, Any]:
    o = ctx.options
    token = ctx.stack.token("admin", "bench:admin")
    host = ctx.stack.gateway.removeprefix("http://")
    requests = ctx.workdir / f"growth-{name}.requests"
    headers = {"Authorization": f"Bearer {token}"}
    # The same request for every connection (cycle.lua shares the list out among threads).
    write_requests(requests, [render("GET", host, path, headers=headers)] * 64)
    settings = WrkSettings(**{**asdict(o.wrk), "duration": o.growth_wrk_seconds})
    result = await run_wrk(settings, ctx.stack.gateway + "/", requests)
    good = result.statuses.get(200, 0)
    return {
        "rps": round(good / result.duration_s, 1) if result.duration_s else 0.0,
        "p50_ms": result.latency_ms.get("p50"),
        "p99_ms": result.latency_ms.get("p99"),
        "other_answers": sum(n for s, n in result.statuses.items() if s != 200),
    }


async def _saga(ctx: Context, name: str) -> dict[str, Any]:
    o = ctx.options
    silo = o.growth_tenants // 10
    spec = {
        "mode": f"growth-{name}",
        "gateway": ctx.stack.gateway,
        "rabbitmq_url": ctx.stack.infra.rabbitmq_url,
        "exchange": ctx.stack.names.exchange,
        "tenants": tenant_mix(o.growth_tenants - silo, silo, o.seed),
        "concurrency": o.saga_concurrency,
        "rate": o.rate,
        "settle_timeout": o.settle_timeout,
    }
    raw, cpu = await run_loadgen(ctx, spec)
    active = [t for t in raw["tenants"] if t["outcome"] == "tenant.activated"]
    span = max((t["outcome_at"] for t in active), default=raw["started"]) - raw["started"]
    found: dict[str, Any] = {
        "tenants": len(raw["tenants"]),
        "active": len(active),
        "failed": sum(1 for t in raw["tenants"] if t["outcome"] == "tenant.provisioning_failed"),
        "no_outcome": sum(1 for t in raw["tenants"] if t["outcome"] is None),
        "tenants_per_s": round(len(active) / span, 1) if span > 0 else None,
    }
    if cpu is not None and active:
        # CPU% over the window is ms of CPU per second; times the window, per tenant.
        per_tenant = {
            group: round(pct * 10 * cpu.seconds / len(active), 2)
            for group, pct in cpu.by_group_pct.items()
        }
        found["cpu_ms_per_tenant"] = per_tenant
        found["postgres_cpu_ms_per_tenant"] = per_tenant.get("postgres: this run", 0.0)
        found["machine_busy_pct"] = cpu.machine_busy_pct
    return found


async def _outbox_state(dsn: str, schema: str) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT n_live_tup, n_dead_tup, last_autovacuum, autovacuum_count,"
            " current_setting('autovacuum') AS autovacuum"
            " FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'outbox'",
            schema,
        )
    finally:
        await conn.close()
    return {k: (str(v) if k == "last_autovacuum" and v else v) for k, v in dict(row or {}).items()}


async def measure(
    ctx: Context,
    name: str,
    samples: Samples,
    reads: ReadSamples,
    volumes: Volumes,
) -> dict[str, Any]:
    o = ctx.options
    stack = ctx.stack
    sa_url = stack.infra.database(stack.names.database)
    dsn = stack.infra.database(stack.names.database, driver="postgresql")
    _, update = ctx.task(f"growth ({name}): reads", 4)
    found: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    found.update(await service_calls.measure(sa_url, dsn, samples, o.growth_repeat))
    update(1)
    cursor = await http_reads.deep_dead_letter_cursor(dsn)
    urls = {s: stack.url(s) for s in ("tenant-api", "webhook-receiver")}
    targets = http_reads.paths(reads, cursor)
    token = stack.token("admin", "bench:admin")
    found.update(await http_reads.measure(urls, token, targets, o.growth_repeat))
    update(2)
    found["tenants_by_key_prefix_wrk"] = await _key_prefix_rps(
        ctx, targets["tenants_by_key_prefix"][1], name
    )
    update(3)
    found["saga"] = await _saga(ctx, name)
    found["saga"]["drain"] = await stack.drain(o.settle_timeout)
    update(4)
    written = await seeder.burst(dsn, BURST_SCHEMA, volumes.burst)
    burst_at = time.monotonic()
    state = await _outbox_state(dsn, BURST_SCHEMA)
    if state.get("autovacuum") == "on":  # off: the server never vacuums by itself
        _, waited = ctx.task(f"growth ({name}): after a burst of {volumes.burst:,} rows", 1)
        await asyncio.sleep(o.growth_burst_wait)
        waited(1)
        state = await _outbox_state(dsn, BURST_SCHEMA)
    found["relay_poll"] = {
        **await service_calls.measure_relay(sa_url, dsn, BURST_SCHEMA, o.growth_repeat),
        "burst_rows": volumes.burst,
        "burst_write_s": round(written, 1),
        "measured_after_s": round(time.monotonic() - burst_at, 1),
        "outbox": state,
    }
    return found
