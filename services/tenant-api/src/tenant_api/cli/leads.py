"""`tenantctl leads list|show|count` and `tenantctl tenants count`: operators' reads and counts."""

from __future__ import annotations

import argparse
from typing import Any

from tenant_api.cli.gateway import call
from tenant_api.cli.output import labelled, page, postal, printed_as_json
from tenant_api.cli.window import add_window, window

STATUSES = ("PENDING", "VERIFIED")


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "status": args.status,
        "emailDomain": args.email_domain,
        **window(args),
    }


def ls(args: argparse.Namespace) -> None:
    page(
        "/leads",
        {**_filters(args), "limit": args.limit, "after": args.after},
        as_json=args.json,
        header=("ID", "STATUS", "EMAIL", "NAME", "COMPANY", "CREATED"),
        row=lambda lead: (
            lead["id"],
            lead["status"],
            lead["email"],
            f"{lead['firstName']} {lead['lastName']}",
            lead["companyName"],
            lead["createdAt"][:19],
        ),
        noun="lead",
    )


def show(args: argparse.Namespace) -> None:
    lead = call("GET", f"/leads/{args.lead_id}")
    if printed_as_json(lead, args.json):
        return
    rows = [
        ("id", lead["id"]),
        ("status", lead["status"]),
        ("name", f"{lead['firstName']} {lead['lastName']}"),
        ("company", lead["companyName"]),
        ("email", lead["email"]),
        ("created", lead["createdAt"]),
        ("verified", lead["verifiedAt"] or "-"),
    ]
    if lead["address"]:
        rows.append(("address", postal(lead["address"])))
    labelled(rows)


def count(args: argparse.Namespace) -> None:
    print(call("GET", "/leads/count", _filters(args))["count"])


def count_tenants(args: argparse.Namespace) -> None:
    filters = {
        "status": args.status,
        "tier": args.tier,
        "keyPrefix": args.key_prefix,
        "createdFrom": args.created_from,
        "createdTo": args.created_to,
    }
    print(call("GET", "/tenants/count", filters)["count"])


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--email-domain", help="e.g. example.com (exact, any case)")
    add_window(parser, what="created")


def add_commands(commands: Any) -> None:
    """Register `tenantctl leads ...`."""
    leads = commands.add_parser("leads", help="sign-ups: list, show and count (admin, operator)")
    sub = leads.add_subparsers(required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="newest first")
    _add_filters(listing)
    listing.add_argument("--limit", type=int, default=50, help="1-200 (default 50)")
    listing.add_argument("--after", help="`nextCursor` of the previous page")
    listing.add_argument("--json", action="store_true", help="raw JSON instead of a table")
    listing.set_defaults(run=ls)
    one = sub.add_parser("show", help="one lead (never its code)")
    one.add_argument("lead_id")
    one.add_argument("--json", action="store_true")
    one.set_defaults(run=show)
    counted = sub.add_parser("count", help="how many leads `list` has with these filters")
    _add_filters(counted)
    counted.set_defaults(run=count)


def add_tenant_count(tenants: Any) -> None:
    """Register `tenantctl tenants count` (the filters of `tenants list` and GET /tenants)."""
    counted = tenants.add_parser("count", help="how many tenants match the filters")
    counted.add_argument("--status", help="e.g. ACTIVE, PENDING_PROVISION")
    counted.add_argument("--tier", choices=["pooled", "silo"])
    counted.add_argument("--key-prefix", help="keys starting with this")
    counted.add_argument("--created-from", help="created at or after (ISO 8601 with zone)")
    counted.add_argument("--created-to", help="created before (ISO 8601 with zone)")
    counted.set_defaults(run=count_tenants)
