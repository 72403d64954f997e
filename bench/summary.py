"""The tables printed at the end of a run."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _throughput(result: dict[str, Any]) -> str:
    metrics = result.get("metrics", {})
    if "tenants_per_s" in metrics:
        return f"{_num(metrics['tenants_per_s'])} tenants/s"
    return f"{_num(metrics.get('rps'))} req/s"


def print_summary(console: Console, run: dict[str, Any]) -> None:
    table = Table(title="Scenarios", title_justify="left")
    for column in ("scenario", "throughput", "p50 ms", "p95 ms", "p99 ms", "checks", "drain s"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for name, result in run["scenarios"].items():
        if "error" in result:
            table.add_row(name, f"[red]failed: {result['error'][:60]}[/red]", "", "", "", "", "")
            continue
        m = result.get("metrics", {})
        correctness = result.get("correctness")
        if correctness is None:
            checks = "-"
        else:
            checks = "[green]ok[/green]" if correctness.get("ok") else "[red]FAILED[/red]"
        drain = result.get("drain", {})
        table.add_row(
            name,
            _throughput(result),
            _num(m.get("p50_ms"), 2),
            _num(m.get("p95_ms"), 2),
            _num(m.get("p99_ms"), 2),
            checks,
            _num(drain.get("seconds")) + ("" if drain.get("drained", True) else " (not drained)"),
        )
    console.print(table)

    targets = Table(title="Targets (reference: 2 cores)", title_justify="left")
    for column in ("scenario", "what", "target", "measured", "met"):
        targets.add_column(column)
    for row in run["targets"]:
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "-"}[row["met"]]
        targets.add_row(row["scenario"], row["label"], row["target"], _num(row["value"], 2), met)
    console.print(targets)
    if "figures" in run["scenarios"].get("growth", {}):
        print_growth(console, run["scenarios"]["growth"])


def print_growth(console: Console, result: dict[str, Any]) -> None:
    seeded = result["params"]["volumes"]
    table = Table(
        title=f"Growth: empty database vs {seeded['tenants']:,} tenants "
        f"(seeded in {result['seed']['seconds']:.0f} s); ratio above 1 is worse",
        title_justify="left",
    )
    for column in ("figure", "unit", "empty", "seeded", "ratio", "within 1.5x"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for row in result["figures"]:
        within = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "-"}[row["within_goal"]]
        table.add_row(
            row["label"],
            row["unit"],
            _num(row["empty"], 2),
            _num(row["seeded"], 2),
            _num(row["ratio"], 2),
            within,
        )
    console.print(table)
    for row in result["figures"]:
        for error in row.get("errors", []):
            console.print(f"[red]{row['label']}: not measured: {error}[/red]")
    pageable = result.get("webhook_deliveries_pageable")
    console.print(f"webhook deliveries pageable past the newest page: {pageable}")
    outbox = result["phases"]["seeded"].get("relay_poll", {}).get("outbox", {})
    if outbox.get("autovacuum") == "off":
        console.print(
            "[yellow]autovacuum is off on this PostgreSQL server: the relay's poll meets every "
            "burst's dead rows, whatever the tables' own autovacuum settings[/yellow]"
        )
