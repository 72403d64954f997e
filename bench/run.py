"""`make bench`: start the stack, run the chosen scenarios, write results and charts, summarise."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench import charts, fsync, machine, profiling, results
from bench.infra import Infrastructure, StackNames
from bench.scenarios import SCENARIOS
from bench.scenarios.base import Context, Options
from bench.stack import SERVICES, BenchStack
from bench.stats import cpu_ms_per_operation
from bench.summary import print_summary
from bench.targets import evaluate
from bench.wrk_runner import WrkSettings
from service_kit_testing import free_port_base


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument(
        "--only",
        default=",".join(name for name, s in SCENARIOS.items() if not s.opt_in),
        help="comma list of: " + ", ".join(SCENARIOS) + " (growth only when named)",
    )
    p.add_argument("--duration", type=float, default=20.0, help="seconds of each timed scenario")
    p.add_argument("--pooled", type=int, default=300, help="saga: pooled tenants")
    p.add_argument("--silo", type=int, default=50, help="saga: silo tenants")
    p.add_argument("--rate", type=float, default=100.0, help="steady: tenants per second")
    p.add_argument("--concurrency", type=int, default=32, help="saga, steady: connections")
    p.add_argument("--connections", type=int, default=32, help="wrk: connections")
    p.add_argument("--threads", type=int, default=2, help="wrk: threads")
    p.add_argument("--read-tenants", type=int, default=20)
    p.add_argument("--webhook-tenants", type=int, default=200)
    p.add_argument("--settle-timeout", type=float, default=120.0, help="saga: wait for outcomes")
    p.add_argument("--drain-timeout", type=float, default=120.0, help="after each scenario")
    p.add_argument("--port-base", type=int, default=18000)
    p.add_argument("--log-level", default="INFO", help="the services' LOG_LEVEL")
    p.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra setting for the services (repeatable), e.g. DB_POOL_SIZE=20",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--growth-scale",
        type=float,
        default=1.0,
        help="growth: seeded volumes, 1.0 = 100,000 tenants (0.1 for a quick run)",
    )
    p.add_argument("--growth-tenants", type=int, default=100, help="growth: saga tenants per pass")
    p.add_argument("--growth-repeat", type=int, default=30, help="growth: timed calls per figure")
    p.add_argument(
        "--growth-burst-wait",
        type=float,
        default=75.0,
        help="growth: seconds from the outbox burst to the relay's poll (autovacuum naptime: 60)",
    )
    p.add_argument("--growth-wrk-seconds", type=float, default=5.0, help="growth: wrk's seconds")
    p.add_argument("--wrk", default="wrk", help="the wrk binary")
    p.add_argument("--no-fsync", action="store_true", help="skip pg_test_fsync")
    p.add_argument("--keep-logs", action="store_true", help="keep the services' log")
    p.add_argument(
        "--profile",
        default="",
        metavar="SERVICES",
        help="comma list of services to sample with py-spy during each scenario (flame graphs)",
    )
    p.add_argument("--results-dir", type=Path, default=results.RESULTS)
    args = p.parse_args(argv)
    unknown = set(args.only.split(",")) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if unknown_services := set(filter(None, args.profile.split(","))) - set(SERVICES):
        p.error(f"--profile: unknown service(s): {', '.join(sorted(unknown_services))}")
    if malformed := [item for item in args.service_env if "=" not in item]:
        p.error(f"--service-env wants KEY=VALUE, not {malformed[0]!r}")
    return args


def options_from(args: argparse.Namespace) -> Options:
    return Options(
        duration=args.duration,
        pooled=args.pooled,
        silo=args.silo,
        rate=args.rate,
        saga_concurrency=args.concurrency,
        settle_timeout=args.settle_timeout,
        wrk=WrkSettings(
            threads=args.threads,
            connections=args.connections,
            duration=args.duration,
            binary=args.wrk,
        ),
        read_tenants=args.read_tenants,
        webhook_tenants=args.webhook_tenants,
        seed=args.seed,
        growth_scale=args.growth_scale,
        growth_tenants=args.growth_tenants,
        growth_repeat=args.growth_repeat,
        growth_burst_wait=args.growth_burst_wait,
        growth_wrk_seconds=args.growth_wrk_seconds,
    )


async def dead_letters(stack: BenchStack) -> int:
    conn = await asyncpg.connect(stack.infra.database(stack.names.database, driver="postgresql"))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM tenant_api.dead_letters"))
    finally:
        await conn.close()


async def run_scenarios(
    stack: BenchStack,
    options: Options,
    selected: list[str],
    args: argparse.Namespace,
    done: dict[str, Any],
) -> None:
    """Run each scenario into `done` (so an interrupted run keeps what it measured)."""
    console = Console()
    workdir = Path(tempfile.mkdtemp(prefix="bench-work-"))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
            starting = progress.add_task("starting the five services", total=None)
            await stack.start()
            progress.update(starting, total=1, completed=1)
            ctx = Context(stack, options, progress, workdir, roles={os.getpid(): "harness"})
            ctx.profile = tuple(filter(None, args.profile.split(",")))
            if ctx.profile and profiling.py_spy() is None:
                console.print("[yellow]--profile: py-spy not found; no profiles this run[/yellow]")
            for name in selected:
                scenario = SCENARIOS[name]()
                ctx.profiles, ctx.profile_problems = {}, {}
                ctx.profile_prefix = args.results_dir / f"{args.stamp}-{name}-profile"
                context = {
                    "started_at": datetime.now(UTC).isoformat(),
                    "load_average_at_start": list(os.getloadavg()),
                }
                try:
                    result = await scenario.run(ctx)
                    result.update(title=scenario.title, **context)
                    if ctx.profiles:
                        result["profiles"] = ctx.profiles
                    if ctx.profile_problems:
                        result["profile_problems"] = ctx.profile_problems
                        for service, why in ctx.profile_problems.items():
                            console.print(f"[yellow]{name}: {service}: {why}[/yellow]")
                    metrics = result.get("metrics", {})
                    throughput = metrics.get("tenants_per_s", metrics.get("rps")) or 0.0
                    if result.get("cpu"):
                        # Approximate: sampling and throughput windows differ at the edges.
                        result["cpu_ms_per_operation"] = cpu_ms_per_operation(
                            result["cpu"]["by_group_pct"], throughput
                        )
                    draining = progress.add_task(
                        f"{name}: waiting for the services to drain", total=None
                    )
                    result["drain"] = await stack.drain(args.drain_timeout)
                    progress.update(draining, total=1, completed=1)
                    await scenario.verify(ctx, result)
                except Exception as exc:  # one scenario failing must not stop the rest
                    console.print(f"[red]{name} failed:[/red] {exc!r}")
                    result = {"title": scenario.title, "error": repr(exc)}
                done[name] = result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def stop_on_signals(console: Console) -> None:
    """The first Ctrl-C (or SIGTERM) cancels the run, later ones are ignored, so the
    services are always stopped and everything the run created is removed. (uv forwards the
    terminal's SIGINT once more: asyncio's own handler would abort the clean-up on it.)"""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        if not interrupted:
            interrupted = True
            console.print("[yellow]interrupted: stopping the services and cleaning up[/yellow]")
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt)


async def execute(args: argparse.Namespace) -> int:
    console = Console()
    if shutil.which(args.wrk) is None:
        console.print(
            f"[red]{args.wrk} not found[/red]: `make bench` installs it (apt-get install wrk)"
        )
        return 2
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    args.stamp = stamp
    selected = args.only.split(",")
    options = options_from(args)
    infra = Infrastructure.from_env()
    names = StackNames.new()
    overrides = dict(item.split("=", 1) for item in args.service_env)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    log_path = args.results_dir / f"{stamp}-services.log"
    stack = BenchStack(
        names, infra, free_port_base(args.port_base), log_path, args.log_level, overrides
    )

    console.print(
        "[bold]bench[/bold]: machine, versions" + ("" if args.no_fsync else ", pg_test_fsync")
    )
    versions = await machine.versions(
        infra.admin_dsn, infra.rabbitmq_url, infra.redis_url, args.wrk
    )
    pg = versions["postgresql_settings"]
    fsync_cost = (
        {"available": False, "reason": "--no-fsync"}
        if args.no_fsync
        else await fsync.measure(
            pg["wal_sync_method"], pg["server_version"].split(".")[0], pg["data_directory"]
        )
    )
    budget = stack.connection_budget()
    if budget > int(pg["max_connections"]):
        console.print(
            f"[yellow]the services' pools may hold {budget} PostgreSQL connections and "
            f"max_connections is {pg['max_connections']}: expect 'too many clients' errors; "
            "lower DB_POOL_SIZE (--service-env DB_POOL_SIZE=…) or fewer processes[/yellow]"
        )
    run: dict[str, Any] = {
        "run_id": names.run_id,
        "started_at": datetime.now(UTC).isoformat(),
        "machine": machine.machine(),
        "versions": versions,
        "postgresql_fsync": fsync_cost,
        "config": {
            "scenarios": selected,
            "options": options.recorded(),
            "service_env": stack.recorded_env(),
            "port_base": stack.port_base,
            "connection_budget": budget,
            "names": asdict(names),
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
        },
    }
    failed = True
    run["scenarios"] = {}
    stop_on_signals(console)
    try:
        await run_scenarios(stack, options, selected, args, run["scenarios"])
        failed = any("error" in r for r in run["scenarios"].values())
        try:
            run["dead_letters"] = await dead_letters(stack)
        except (OSError, asyncpg.PostgresError) as exc:  # what was measured is still written
            console.print(f"[red]counting dead letters failed:[/red] {exc!r}")
            run["dead_letters_error"] = repr(exc)
            failed = True
    except asyncio.CancelledError:
        run["interrupted"] = True
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
    finally:
        stack.stop()
        run["cleanup_problems"] = await stack.cleanup()
    run["finished_at"] = datetime.now(UTC).isoformat()
    run["targets"] = evaluate(run["scenarios"])
    path = results.write(run, stamp, args.results_dir)
    drawn = charts.draw_all(run["scenarios"], args.results_dir, stamp, run["machine"]["cores"])
    print_summary(console, run)
    console.print(f"results: {path}" + "".join(f"\ncharts:  {p}" for p in drawn))
    if failed or args.keep_logs:
        console.print(f"services' log: {log_path}")
    else:
        log_path.unlink(missing_ok=True)
    if run["cleanup_problems"]:
        console.print(f"[yellow]cleanup left something behind:[/yellow] {run['cleanup_problems']}")
    if run.get("interrupted"):
        return 130
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(execute(args))
