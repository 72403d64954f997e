"""`python -m bench.loadgen SPEC OUT`: drive the saga as SPEC (JSON) says, write OUT (JSON).

The admin token comes in BENCH_ADMIN_TOKEN. Progress goes to stdout, one line at a time:
`progress <phase> <done> <total>`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import uvloop

from bench.loadgen.events import EventWatch
from bench.loadgen.http_client import Pool
from bench.loadgen.saga import SagaDriver, TenantRun, burst, steady


def _progress(phase: str, done: int, total: int) -> None:
    sys.stdout.write(f"progress {phase.replace(' ', '_')} {done} {total}\n")
    sys.stdout.flush()


async def drive(spec: dict[str, Any]) -> dict[str, Any]:
    token = os.environ["BENCH_ADMIN_TOKEN"]
    pool = Pool(spec["gateway"], spec["concurrency"], {"Authorization": f"Bearer {token}"})
    watch = await EventWatch(spec["rabbitmq_url"], spec["exchange"]).start()
    runs = [TenantRun(key=t["key"], tier=t["tier"]) for t in spec["tenants"]]
    driver = SagaDriver(pool, watch, _progress)
    try:
        if spec["mode"] == "burst":
            return await burst(driver, runs, spec["concurrency"], spec["settle_timeout"])
        return await steady(driver, runs, spec["concurrency"], spec["rate"], spec["settle_timeout"])
    finally:
        pool.close()
        await watch.close()


def main() -> int:
    spec_path, out_path = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        result = uvloop.run(drive(json.loads(spec_path.read_text())))
    except KeyboardInterrupt:  # the terminal's Ctrl-C: the harness reports and cleans up
        return 130
    out_path.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
