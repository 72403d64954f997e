"""`make chaos`: every scenario the target offers, one after the other, within a deadline."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from pathlib import Path

from chaos.ha import HaUnavailable, ha_infra, ha_target, running_stack
from chaos.local import local_target
from chaos.report import table, write
from chaos.runner import Result, run_scenario
from chaos.scenarios import by_name
from chaos.single import single_engines, single_target
from chaos.target import Target
from deploy.ha import HaStack
from service_kit_testing import free_port_base, isolated_infra

ROOT = Path(__file__).resolve().parents[1]
# What `--target all` (the default) runs, in this order.
TARGETS = ("local", "single", "ha")


def say(message: str) -> None:
    print(f"[chaos] {message}", flush=True)


async def run(
    target_cm: AbstractAsyncContextManager[Target], args: argparse.Namespace, directory: Path
) -> list[Result]:
    scenarios = by_name(args.only.split(",") if args.only else None)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (args.ends_at - time.monotonic())
    results: list[Result] = []
    say(f"starting the {args.target} target (logs in {directory})")
    async with target_cm as target:
        for scenario in scenarios:
            left = deadline - loop.time()
            if left < 60:
                results.append(
                    Result(scenario.name, scenario.what, "failed", note="global deadline")
                )
                say(f"{scenario.name}: not started, the global deadline is near")
                continue
            say(f"{scenario.name}: {scenario.what} ({args.tenants} tenants)")
            result = await run_scenario(target, scenario, args.tenants, min(args.budget, left))
            results.append(result)
            recovery = result.recovery
            say(
                f"{scenario.name}: {result.status} in {result.seconds}s; ends {result.endings};"
                f" write back {recovery.write_s}s, saga {recovery.saga_s}s;"
                f" lost {len(result.lost)}, twice {len(result.duplicated)},"
                f" unexpected {len(result.unexpected)} {result.note}"
            )
            for line in [*result.lost, *result.duplicated, *result.unexpected][:10]:
                say(f"    {line}")
    return results


def on_target(args: argparse.Namespace, run_id: str, directory: Path) -> list[Result]:
    """Every scenario on the target asked for; the infrastructure made and removed here."""
    if args.target == "ha":
        with ha_stack(args, directory) as stack, ha_infra(stack, run_id) as infra:
            return asyncio.run(run(ha_target(stack, infra), args, directory))
    if args.target == "single":
        with (
            single_engines(directory / "engines") as engines,
            isolated_infra(run_id, engines.servers) as infra,
        ):
            return asyncio.run(run(single_target(engines, infra, directory), args, directory))
    with isolated_infra(run_id) as infra:
        return asyncio.run(run(local_target(infra, directory), args, directory))


@contextmanager
def ha_stack(args: argparse.Namespace, directory: Path) -> Iterator[HaStack]:
    """The stack `make ha` left running; under `--target all`, one of the run's own when none
    is (started here, stopped and removed at the end)."""
    try:
        yield running_stack(args.ha_env)
        return
    except HaUnavailable:
        if not args.start_ha:
            raise
    # Not under var/chaos: PostgreSQL runs as `postgres`, which must reach the directory.
    base = Path(tempfile.mkdtemp(prefix="cp-ha-chaos-"))
    base.chmod(0o755)
    say(f"no HA stack at {args.ha_env}; starting one of this run's own in {base}")
    stack = HaStack.create(base, free_port_base(8100))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop(wipe=True)
        shutil.rmtree(base, ignore_errors=True)


def on_one(args: argparse.Namespace) -> tuple[list[Result], bool]:
    """Run `args.target`; its results, and whether it could run at all."""
    run_id = "chaos" + uuid.uuid4().hex[:6]
    directory = args.out / run_id
    directory.mkdir(parents=True, exist_ok=True)
    try:
        results = on_target(args, run_id, directory)
    except HaUnavailable as exc:
        say(str(exc))
        return [], False
    data, markdown = write(results, args.out, {"target": args.target, "tenants": args.tenants})
    sys.stdout.write(f"\n{args.target} target\n\n" + table(results))
    say(f"results: {data} and {markdown}")
    return results, True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--target",
        choices=[*TARGETS, "all"],
        default="all",
        help="local: machine's engines behind fault proxies; single: private single-node"
        " engines the suite restarts; ha: the `make ha` stack (under `all`, the default, one of"
        " the run's own when `make ha` is not up)",
    )
    parser.add_argument("--tenants", type=int, default=12, help="tenants per scenario")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--deadline", type=float, default=5400, help="seconds for the whole run")
    parser.add_argument("--budget", type=float, default=300, help="seconds per scenario")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "chaos")
    parser.add_argument(
        "--ha-env", type=Path, default=ROOT / "var" / "ha" / "ha.env", help="`make ha`'s env file"
    )
    args = parser.parse_args()
    args.ends_at = time.monotonic() + args.deadline
    args.start_ha = args.target == "all"
    targets = TARGETS if args.target == "all" else (args.target,)
    failed: list[str] = []
    for name in targets:
        args.target = name
        results, ran = on_one(args)
        if not ran:
            return 2
        failed += [f"{name}:{r.scenario}" for r in results if r.status == "failed"]
    if failed:
        say(f"failed: {', '.join(failed)}")
    return 1 if failed else 0
