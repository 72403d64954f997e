"""PNG charts of a run: answers per second over time, latency percentiles, CPU by process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

PERCENTILES = (("p50", "p50"), ("p95", "p95"), ("p99", "p99"))
# Fixed order and colours, so that charts of different runs compare at a glance.
GROUP_COLOURS = {
    "tenant-api": "#1f77b4",
    "lead-verifier": "#aec7e8",
    "provisioner": "#ff7f0e",
    "webhook-receiver": "#ffbb78",
    "notifier": "#2ca02c",
    "local_run.py (log pipe)": "#98df8a",
    "postgres: this run": "#d62728",
    "postgres: server processes": "#ff9896",
    "postgres: other databases": "#e7969c",
    "rabbitmq": "#9467bd",
    "redis": "#8c564b",
    "load generator (wrk)": "#e377c2",
    "load generator (saga)": "#f7b6d2",
    "harness": "#bcbd22",
    "other": "#c7c7c7",
}


def throughput(scenarios: dict[str, dict[str, Any]], path: Path) -> None:
    with_series = [(n, r) for n, r in scenarios.items() if r.get("series", {}).get("per_second")]
    if not with_series:
        return
    fig, axes = plt.subplots(
        len(with_series), 1, figsize=(9, 2.4 * len(with_series)), squeeze=False
    )
    for ax, (name, result) in zip(axes[:, 0], with_series, strict=True):
        series = result["series"]
        ax.plot(range(len(series["per_second"])), series["per_second"], label=series["unit"])
        if requests := series.get("requests_per_second"):
            ax.plot(range(len(requests)), requests, linestyle="--", label="provision requests/s")
        ax.set_title(result.get("title", name), fontsize=10)
        ax.set_ylabel("per second")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel("seconds since the scenario's start")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def latency(scenarios: dict[str, dict[str, Any]], path: Path) -> None:
    rows = []
    for name, result in scenarios.items():
        values = result.get("latency_ms") or {}
        if all(values.get(key) is not None for key, _ in PERCENTILES):
            rows.append((name, [float(values[key]) for key, _ in PERCENTILES]))
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(PERCENTILES)
    for i, (_, label) in enumerate(PERCENTILES):
        xs = [j + i * width for j in range(len(rows))]
        bars = ax.bar(xs, [r[1][i] for r in rows], width, label=label)
        ax.bar_label(bars, fmt=_ms, fontsize=7)
    ax.set_xticks([j + width for j in range(len(rows))], [r[0] for r in rows])
    ax.set_yscale("log")
    ax.set_ylabel("ms (log scale)")
    ax.set_title("Latency percentiles by scenario")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def cpu(scenarios: dict[str, dict[str, Any]], path: Path, cores: int | None = None) -> None:
    rows = [(n, r["cpu"]["by_group_pct"]) for n, r in scenarios.items() if r.get("cpu")]
    if not rows:
        return
    seen = {g for _, by_group in rows for g in by_group}
    groups = [g for g in GROUP_COLOURS if g in seen] + sorted(seen - GROUP_COLOURS.keys())
    fig, ax = plt.subplots(figsize=(9, 0.7 * len(rows) + 2.5))
    left = [0.0] * len(rows)
    for group in groups:
        values = [by_group.get(group, 0.0) for _, by_group in rows]
        colour = GROUP_COLOURS.get(group, "#17becf")
        ax.barh([r[0] for r in rows], values, left=left, label=group, color=colour)
        left = [a + b for a, b in zip(left, values, strict=True)]
    if cores:
        ax.axvline(100 * cores, color="black", linewidth=1, linestyle=":")
    ax.invert_yaxis()
    ax.set_xlabel("CPU % (100 = one core; dotted: all cores; other = outside this run)")
    ax.set_title("Where the CPU went, by process group")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_all(
    scenarios: dict[str, dict[str, Any]], directory: Path, stamp: str, cores: int | None = None
) -> list[Path]:
    """Draw each chart as `<stamp>-<chart>.png` and copy it to `latest-<chart>.png`."""
    made = []
    for chart in ("throughput", "latency", "cpu"):
        path = directory / f"{stamp}-{chart}.png"
        if chart == "cpu":
            cpu(scenarios, path, cores)
        elif chart == "latency":
            latency(scenarios, path)
        else:
            throughput(scenarios, path)
        if path.exists():
            shutil.copyfile(path, directory / f"latest-{chart}.png")
            made.append(path)
    return made
