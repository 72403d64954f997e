"""`tenantctl dlq ls|show|replay|discard`: the dead-letter parking lot from the command line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tenant_api.cli.gateway import CliError, call
from tenant_api.cli.output import labelled, page, printed_as_json, table
from tenant_api.cli.window import add_window, window

BASE = "/admin/dead-letters"
BATCH = 50


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "service": args.service,
        "eventType": args.event_type,
        "tenantId": args.tenant_id,
        "reason": args.reason,
        **window(args),
    }


def ls(args: argparse.Namespace) -> None:
    page(
        BASE,
        {**_filters(args), "status": args.status, "limit": args.limit},
        as_json=args.json,
        header=("ID", "SERVICE", "EVENT", "REASON", "STATUS", "STORED", "TENANT", "ORIGINAL QUEUE"),
        row=lambda d: (
            d["id"],
            d["service"],
            d["eventType"] or "-",
            d["reason"],
            d["status"],
            d["storedAt"][:19],
            d["tenantId"] or "-",
            d["originalQueue"] or "-",
        ),
        noun="dead letter",
    )


def show(args: argparse.Namespace) -> None:
    detail = call("GET", f"{BASE}/{args.dead_letter_id}")
    if printed_as_json(detail, args.json):
        return
    shown = (
        "id",
        "status",
        "service",
        "queue",
        "originalQueue",
        "originalExchange",
        "originalRoutingKey",
        "eventType",
        "eventId",
        "tenantId",
        "correlationId",
        "reason",
        "error",
        "deadLetteredAt",
        "storedAt",
        "replayCount",
        "replayedAt",
        "actedBy",
        "discardedReason",
    )
    rows = [(label, "-" if detail.get(label) is None else detail[label]) for label in shown]
    for death in detail["deathHistory"]:
        when, why = death.get("time", "?"), death.get("reason", "?")
        rows.append(
            ("death", f"{when} {why} from {death.get('queue', '?')} (x{death.get('count', 1)})")
        )
    labelled(rows, width=19)
    print("headers", json.dumps(detail["headers"], indent=2))
    print("body", detail["bodyText"] if detail["bodyText"] is not None else detail["bodyBase64"])
    for action in detail["actions"]:
        when, what, who = action["at"][:19], action["action"], action["actor"]
        why = f": {action['reason']}" if action["reason"] else ""
        print(f"action {when} {what} by {who}{why}")


def replay(args: argparse.Namespace) -> None:
    if args.dead_letter_id:
        if args.dry_run:
            detail = call("GET", f"{BASE}/{args.dead_letter_id}")
            if detail["status"] != "PARKED":
                raise CliError(
                    f"{detail['id']} is {detail['status']}; only PARKED ones are replayed"
                )
            print(f"would replay {detail['id']} to {detail['originalQueue']}")
            return
        detail = call("POST", f"{BASE}/{args.dead_letter_id}/replay")
        print(f"replayed {detail['id']} to {detail['originalQueue']}")
        return
    filters = {k: v for k, v in _filters(args).items() if v is not None}
    planned = call("POST", f"{BASE}/replay", body={**filters, "dryRun": True, "limit": args.limit})
    total = planned["matched"]
    if args.dry_run:
        table(
            ("ID", "SERVICE", "EVENT", "REASON", "TENANT", "ORIGINAL QUEUE"),
            [
                (
                    d["id"],
                    d["service"],
                    d["eventType"] or "-",
                    d["reason"],
                    d["tenantId"] or "-",
                    d["originalQueue"] or "-",
                )
                for d in planned["items"]
            ],
        )
        print(f"dry run: {total} dead letter(s) would be replayed")
        _too_old(planned)
        return
    _too_old(planned)
    if total == 0:
        print("no PARKED dead letter matches; nothing replayed")
        return
    replayed = failed = 0
    while replayed + failed < total:
        size = min(BATCH, total - replayed - failed)
        # The gateway paces a batch (DLQ_REPLAY_PER_SECOND): give it time to answer.
        batch = call("POST", f"{BASE}/replay", body={**filters, "limit": size}, timeout=300)
        replayed += batch["replayed"]
        failed += batch["failed"]
        print(f"\rreplayed {replayed}/{total}, failed {failed}", end="", flush=True)
        if batch["replayed"] == 0:
            break
    print()
    if failed:
        raise CliError(f"{failed} dead letter(s) could not be replayed; they stay PARKED")


def _too_old(planned: dict[str, Any]) -> None:
    if planned.get("tooOld"):
        print(
            f"{planned['tooOld']} matching dead letter(s) are older than DEAD_LETTER_REPLAY_DAYS "
            "and are not replayed: discard them"
        )


def discard(args: argparse.Namespace) -> None:
    detail = call("POST", f"{BASE}/{args.dead_letter_id}/discard", body={"reason": args.reason})
    print(f"discarded {detail['id']}: {detail['discardedReason']}")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--service", help="e.g. provisioner")
    parser.add_argument("--event-type", help="e.g. provisioning.step_failed")
    parser.add_argument("--tenant-id")
    parser.add_argument("--reason", help="e.g. retries_exhausted, malformed")
    add_window(parser, what="stored")


def add_commands(commands: Any) -> None:
    """Register `tenantctl dlq ...`."""
    dlq = commands.add_parser("dlq", help="dead letters of every service: list, replay, discard")
    sub = dlq.add_subparsers(required=True, metavar="ACTION")
    listing = sub.add_parser("ls", help="newest first")
    _add_filters(listing)
    listing.add_argument("--status", choices=["PARKED", "REPLAYED", "DISCARDED"])
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="raw JSON instead of a table")
    listing.set_defaults(run=ls)
    one = sub.add_parser("show", help="one dead letter: body, headers, death history, actions")
    one.add_argument("dead_letter_id")
    one.add_argument("--json", action="store_true")
    one.set_defaults(run=show)
    again = sub.add_parser(
        "replay", help="send one (by id) or every PARKED one matching the filters back"
    )
    again.add_argument("dead_letter_id", nargs="?")
    _add_filters(again)
    again.add_argument("--limit", type=int, default=100, help="at most this many (bulk)")
    again.add_argument("--dry-run", action="store_true", help="show what would be replayed")
    again.set_defaults(run=replay)
    drop = sub.add_parser("discard", help="give up on one, with a recorded reason")
    drop.add_argument("dead_letter_id")
    drop.add_argument("--reason", required=True)
    drop.set_defaults(run=discard)
