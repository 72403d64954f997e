"""`tenantctl audit`: the audit trail across tenants, as a table or exported (CSV, JSON lines)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tenant_api.cli.gateway import call, download
from tenant_api.cli.output import table
from tenant_api.cli.window import add_window, window

PATH = "/admin/audit"
PAGE = 200


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        **window(args),
        "actor": args.actor,
        "role": args.role,
        "tenant": args.tenant,
        "type": args.type,
        "onlyActions": "true" if args.only_actions else None,
    }


def audit(args: argparse.Namespace) -> None:
    if args.format != "table":
        # Every matching entry, streamed: the gateway reads and sends it batch by batch.
        download(PATH, {**_filters(args), "format": args.format}, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    rows: list[tuple[str, ...]] = []
    after = None
    while len(rows) < args.limit:
        size = min(PAGE, args.limit - len(rows))
        answer = call("GET", PATH, {**_filters(args), "limit": size, "after": after})
        rows += [_row(entry) for entry in answer["items"]]
        after = answer["nextCursor"]
        if after is None:
            break
    table(("OCCURRED", "TENANT", "TYPE", "ACTOR", "SUMMARY"), rows)
    more = " (more: raise --limit, or export with --format csv|jsonl)" if after else ""
    print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}{more}")


def _row(entry: dict[str, Any]) -> tuple[str, ...]:
    actor = entry["actor"]
    who = f"{actor['sub']} ({actor['role']})" if actor else "-"
    return (entry["occurredAt"][:19], entry["tenantId"], entry["type"], who, entry["summary"])


def add_commands(commands: Any) -> None:
    """Register `tenantctl audit`."""
    parser = commands.add_parser(
        "audit",
        help="the audit trail: every tenant's timeline entries, newest first",
        description="Timeline entries of every tenant, newest first (admin, operator). A table "
        "of the first --limit, or every matching entry as CSV or JSON lines on stdout.",
    )
    add_window(parser, metavar="TIME")
    parser.add_argument("--actor", help="the actor's subject, exactly (e.g. ops:alice)")
    parser.add_argument("--role", choices=["admin", "operator", "tenant", "lead"])
    parser.add_argument("--tenant", help="a tenant's id")
    parser.add_argument("--type", help="an event type, or its start and * (tenant.contact_*)")
    parser.add_argument(
        "--only-actions", action="store_true", help="only entries someone asked for"
    )
    parser.add_argument("--format", choices=["table", "csv", "jsonl"], default="table")
    parser.add_argument("--limit", type=int, default=50, help="rows of the table (default 50)")
    parser.set_defaults(run=audit)
