"""`tenantctl tenants provision|cancel|pipeline`: start, stop and watch a tenant's pipeline."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from shared_schemas.events import STEP_ORDER
from tenant_api.cli.gateway import CliError, call

TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}
# A pipeline's outcome and its steps' events reach the read-model through different queues, so
# a pipeline can read as ended while its last step's outcome is still on its way.
STEP_IN_MOTION = {"IN_PROGRESS", "COMPENSATING"}
# Every tier ends with this step, so a succeeded pipeline is whole once it is listed as done;
# before that, a step none of whose events has arrived yet would be missing from the picture.
LAST_STEP = STEP_ORDER[-1]
SETTLE_SECONDS = 5.0
MARKS = {
    "PENDING": "·",
    "IN_PROGRESS": "▶",
    "SUCCEEDED": "✔",
    "FAILED": "✘",
    "COMPENSATING": "↺",
    "COMPENSATED": "↺",
    "CANCELLED": "■",
    "SKIPPED": "-",
}


def provision(args: argparse.Namespace) -> None:
    started = call("POST", f"/tenants/{args.tenant_id}/provision")
    print(f"pipeline {started['pipelineId']} started")
    if args.watch:
        watch(str(args.tenant_id), args.interval, args.timeout)


def cancel(args: argparse.Namespace) -> None:
    answer = call("POST", f"/tenants/{args.tenant_id}/cancel")
    print(f"cancel requested for pipeline {answer['pipelineId']}")
    if args.watch:
        watch(str(args.tenant_id), args.interval, args.timeout)


def show(args: argparse.Namespace) -> None:
    if args.watch:
        watch(str(args.tenant_id), args.interval, args.timeout)
        return
    print("\n".join(render(call("GET", f"/tenants/{args.tenant_id}/pipeline"))))


def render(pipeline: dict[str, Any]) -> list[str]:
    pipeline_id = pipeline.get("pipelineId") or pipeline.get("id")
    lines = [f"pipeline {pipeline_id}  run {pipeline.get('run', 1)}  {pipeline['status']}"]
    for step in pipeline.get("steps", []):
        mark = MARKS.get(step["status"], "?")
        took = _duration(step.get("startedAt"), step.get("finishedAt"))
        error = f"  {step['lastError']}" if step.get("lastError") else ""
        lines.append(
            f"  {mark} {step['name']:<15} {step['status']:<12} "
            f"attempts {step.get('attempts', 0)}{took}{error}"
        )
    if pipeline.get("failureStep"):
        lines.append(f"  failed at {pipeline['failureStep']}: {pipeline.get('failureReason')}")
    return lines


def settled(pipeline: dict[str, Any]) -> bool:
    """The pipeline has ended, none of its listed steps is still waiting for its outcome, and
    a succeeded one lists its last step as succeeded."""
    steps = pipeline.get("steps", [])
    if pipeline["status"] not in TERMINAL or any(s["status"] in STEP_IN_MOTION for s in steps):
        return False
    if pipeline["status"] == "SUCCEEDED":
        return any(s["name"] == LAST_STEP and s["status"] == "SUCCEEDED" for s in steps)
    return True


def watch(tenant_id: str, interval: float, timeout: float) -> None:
    """Redraw the steps until the pipeline ends (in place on a terminal, by changes otherwise).

    Once it has ended, a step still in motion is given up to SETTLE_SECONDS to catch up, so
    that the last picture agrees with the outcome; after that it is shown as it stands.
    """
    tty = sys.stdout.isatty()
    shown: list[str] = []
    deadline = time.monotonic() + timeout
    settle_by: float | None = None
    while True:
        pipeline = call("GET", f"/tenants/{tenant_id}/pipeline")
        lines = render(pipeline)
        if lines != shown:
            if tty and shown:
                sys.stdout.write(f"\x1b[{len(shown)}F\x1b[J")
            print("\n".join(lines), flush=True)
            shown = lines
        if pipeline["status"] in TERMINAL:
            settle_by = settle_by or time.monotonic() + SETTLE_SECONDS
            if settled(pipeline) or time.monotonic() > settle_by:
                if pipeline["status"] != "SUCCEEDED":
                    raise CliError(f"pipeline ended {pipeline['status']}")
                return
        elif time.monotonic() > deadline:
            raise CliError(f"still {pipeline['status']} after {timeout:.0f}s")
        time.sleep(interval)


def _duration(started: str | None, finished: str | None) -> str:
    if not started or not finished:
        return ""
    from datetime import datetime

    seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    return f"  {seconds:.2f}s"


def add_commands(actions: Any) -> None:
    """Register provision / cancel / pipeline under `tenantctl tenants`."""
    for name, run, text in (
        ("provision", provision, "start (or retry) a tenant's provisioning"),
        ("cancel", cancel, "cancel a running pipeline (its steps are compensated)"),
        ("pipeline", show, "show a tenant's pipeline, step by step"),
    ):
        parser = actions.add_parser(name, help=text)
        parser.add_argument("tenant_id")
        parser.add_argument(
            "--watch", action="store_true", help="follow the steps live until the pipeline ends"
        )
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between looks")
        parser.add_argument("--timeout", type=float, default=600, help="give up after (seconds)")
        parser.set_defaults(run=run)
