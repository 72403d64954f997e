"""Scenarios 1 and 2: tenants through the provisioning saga, driven by bench.loadgen (its own
process), observed on the events stream, then checked resource by resource.

The path is the fastest legitimate one: an admin onboards directly (`POST /tenants`) and
provisions (`POST /tenants/{id}/provision`); the provisioner's local pipeline driver runs no
command, so its signed callback follows at once. Latency runs from the provision request (in
`steady`: from when it was due) to `tenant.activated` reaching the load generator.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from dataclasses import asdict
from typing import Any

from bench.scenarios.base import Context, MeasuredWindow, Scenario
from bench.scenarios.correctness import check_tenants
from bench.scenarios.fixtures import tenant_key
from bench.stack import PASS_THROUGH, ROOT
from bench.stats import per_second, rate, summarise

MEASURED_PHASE = "provision_requests"


def tenant_mix(pooled: int, silo: int, seed: int) -> list[dict[str, str]]:
    tiers = ["pooled"] * pooled + ["silo"] * silo
    random.Random(seed).shuffle(tiers)
    return [{"key": tenant_key(), "tier": tier} for tier in tiers]


async def run_loadgen(ctx: Context, spec: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Run `python -m bench.loadgen`, showing its progress; CPU is sampled from its first
    provision request on (onboarding before a steady run is set-up, not measurement)."""
    spec_path = ctx.workdir / f"{spec['mode']}.spec.json"
    out_path = ctx.workdir / f"{spec['mode']}.out.json"
    spec_path.write_text(json.dumps(spec))
    env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
    env["BENCH_ADMIN_TOKEN"] = ctx.stack.token("admin", "bench:admin")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        str(spec_path),
        str(out_path),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    ctx.roles[proc.pid] = "load generator (saga)"
    window: MeasuredWindow | None = None
    tasks: dict[str, Any] = {}
    assert proc.stdout is not None
    try:
        while line := await proc.stdout.readline():
            parts = line.decode().split()
            if len(parts) != 4 or parts[0] != "progress":
                continue
            phase, done, total = parts[1], int(parts[2]), int(parts[3])
            if phase == MEASURED_PHASE and window is None:
                window = ctx.measured_window()
            if phase not in tasks:
                tasks[phase] = ctx.task(f"{spec['mode']}: {phase.replace('_', ' ')}", total)[1]
            tasks[phase](done)
        await proc.wait()
    finally:
        cpu = window.stop().cpu if window else None
        if proc.returncode is None:  # interrupted: the load generator goes too
            proc.terminate()
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"the saga load generator failed ({proc.returncode})")
    return json.loads(out_path.read_text()), cpu


def analyse(raw: dict[str, Any], *, from_due: bool) -> dict[str, Any]:
    tenants = raw["tenants"]
    start = raw["started"]
    sent = [t for t in tenants if t["provision_status"] == 202]
    active = [t for t in sent if t["outcome"] == "tenant.activated"]

    def latency(t: dict[str, Any]) -> float:
        begin = t["provision_due"] if from_due else t["provision_started"]
        return float(t["outcome_at"] - begin) * 1000

    by_tier = {}
    for tier in ("pooled", "silo"):
        of_tier = [t for t in active if t["tier"] == tier]
        last = max((t["outcome_at"] for t in of_tier), default=start)
        by_tier[tier] = {
            "active": len(of_tier),
            "tenants_per_s": round(rate(len(of_tier), last - start), 1),
            "latency_ms": summarise([latency(t) for t in of_tier]),
        }
    last_active = max((t["outcome_at"] for t in active), default=start)
    latencies = summarise([latency(t) for t in active])
    errors = [t["error"] for t in tenants if t["error"]]
    return {
        "tenants": len(tenants),
        "provision_requests_accepted": len(sent),
        "active": len(active),
        "failed": sum(1 for t in sent if t["outcome"] == "tenant.provisioning_failed"),
        "no_outcome": sum(1 for t in sent if t["outcome"] is None),
        "errors": {"count": len(errors), "examples": errors[:5]},
        "span_s": round(last_active - start, 2),
        "latency_ms": latencies,
        "latency_from": "scheduled provision request" if from_due else "provision request sent",
        "committed_latency_ms": summarise([t["committed_ms"] for t in active if t["committed_ms"]]),
        "onboard_request_ms": summarise([t["create_ms"] for t in tenants if t["create_ms"]]),
        "provision_request_ms": summarise([t["provision_ms"] for t in sent]),
        "by_tier": by_tier,
        "series": {
            "unit": "tenants ACTIVE/s",
            "per_second": per_second((t["outcome_at"] for t in active), start),
            "requests_per_second": per_second((t["provision_started"] for t in sent), start),
        },
        "tenants_per_s": round(rate(len(active), last_active - start), 1),
    }


def _metrics(result: dict[str, Any]) -> dict[str, Any]:
    latency = result["latency_ms"]
    return {
        "tenants_per_s": result["tenants_per_s"],
        "pooled_tenants_per_s": result["by_tier"]["pooled"]["tenants_per_s"],
        "p50_ms": latency["p50"],
        "p95_ms": latency["p95"],
        "p99_ms": latency["p99"],
        "not_active": result["provision_requests_accepted"] - result["active"],
        "errors": result["errors"]["count"],
    }


class _Saga(Scenario):
    async def verify(self, ctx: Context, result: dict[str, Any]) -> None:
        provisioned = ctx.shared.pop(f"{self.name}_tenants", [])
        result["correctness"] = await check_tenants(ctx.stack, provisioned)

    def _spec(self, ctx: Context, mode: str, tenants: list[dict[str, str]]) -> dict[str, Any]:
        o = ctx.options
        return {
            "mode": mode,
            "gateway": ctx.stack.gateway,
            "rabbitmq_url": ctx.stack.infra.rabbitmq_url,
            "exchange": ctx.stack.names.exchange,
            "tenants": tenants,
            "concurrency": o.saga_concurrency,
            "rate": o.rate,
            "settle_timeout": o.settle_timeout,
        }

    def _remember(self, ctx: Context, raw: dict[str, Any]) -> None:
        ctx.shared[f"{self.name}_tenants"] = [
            {"id": t["id"], "key": t["key"], "tier": t["tier"]}
            for t in raw["tenants"]
            if t["provision_status"] == 202
        ]


class SagaThroughput(_Saga):
    name = "saga"
    title = "Saga throughput: onboard + provision to ACTIVE (burst)"

    async def run(self, ctx: Context) -> dict[str, Any]:
        o = ctx.options
        tenants = tenant_mix(o.pooled, o.silo, o.seed)
        raw, cpu = await run_loadgen(ctx, self._spec(ctx, "burst", tenants))
        self._remember(ctx, raw)
        result = analyse(raw, from_due=False)
        result["params"] = {"pooled": o.pooled, "silo": o.silo, "concurrency": o.saga_concurrency}
        result["metrics"] = _metrics(result)
        result["cpu"] = asdict(cpu) if cpu else None
        return result


class SagaSteady(_Saga):
    name = "steady"
    title = "Saga latency at a steady arrival rate (open loop)"

    async def run(self, ctx: Context) -> dict[str, Any]:
        o = ctx.options
        count = max(1, int(o.rate * o.duration))
        silo = round(count * o.silo / max(1, o.pooled + o.silo))
        tenants = tenant_mix(count - silo, silo, o.seed + 1)
        raw, cpu = await run_loadgen(ctx, self._spec(ctx, "steady", tenants))
        self._remember(ctx, raw)
        result = analyse(raw, from_due=True)
        sent = sorted(t["provision_started"] for t in raw["tenants"] if t["provision_started"])
        lateness = [
            (t["provision_started"] - t["provision_due"]) * 1000
            for t in raw["tenants"]
            if t["provision_due"] is not None and t["provision_started"] is not None
        ]
        achieved = rate(len(sent) - 1, sent[-1] - sent[0]) if len(sent) > 1 else 0.0
        result["params"] = {
            "rate": o.rate,
            "duration": o.duration,
            "pooled": count - silo,
            "silo": silo,
            "connections": o.saga_concurrency,
        }
        result["achieved_request_rate"] = round(achieved, 1)
        result["send_lateness_ms"] = summarise(lateness)
        result["metrics"] = {**_metrics(result), "achieved_rate": round(achieved, 1)}
        result["cpu"] = asdict(cpu) if cpu else None
        return result
