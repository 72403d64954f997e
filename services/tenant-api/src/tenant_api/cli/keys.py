"""`tenantctl keys list|create|rotate|revoke`: a tenant's API keys from the command line.

`create` and `rotate` print the new key alone on stdout (`KEY=$(tenantctl keys create …)`) and
what it is on stderr: the key is shown this once.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tenant_api.cli.gateway import call
from tenant_api.cli.output import printed_as_json, table


def _base(args: argparse.Namespace) -> str:
    return f"/tenants/{args.tenant_id}/api-keys"


def ls(args: argparse.Namespace) -> None:
    answer = call("GET", _base(args))
    if printed_as_json(answer, args.json):
        return
    table(
        ("ID", "PUBLIC ID", "NAME", "STATUS", "SCOPES", "ORIGIN", "EXPIRES", "LAST USED"),
        [
            (
                k["id"],
                k["publicId"],
                k["name"],
                k["status"],
                ",".join(k["scopes"]) or "-",
                k["origin"],
                (k["expiresAt"] or "-")[:19],
                (k["lastUsedAt"] or "-")[:19],
            )
            for k in answer["items"]
        ],
    )
    print(f"{answer['count']} key(s)")


def create(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"name": args.name, "expiresInDays": args.expires_in_days}
    if args.scope:
        body["scopes"] = args.scope
    _reveal(call("POST", _base(args), body=body), args.json)


def rotate(args: argparse.Namespace) -> None:
    body = {} if args.overlap is None else {"overlapSeconds": args.overlap}
    made = call("POST", f"{_base(args)}/{args.key_id}/rotate", body=body)
    _reveal(made, args.json)
    if not args.json:
        print(f"the old key {args.key_id} works until it expires", file=sys.stderr)


def revoke(args: argparse.Namespace) -> None:
    call("DELETE", f"{_base(args)}/{args.key_id}")
    print(f"revoked {args.key_id}")


def _reveal(made: dict[str, Any], as_json: bool) -> None:
    if printed_as_json(made, as_json):
        return
    print(made["apiKey"])
    print(
        f"key {made['id']} ({made['name']}, scopes {','.join(made['scopes']) or '-'}, expires "
        f"{made['expiresAt'] or 'never'}): shown this once, store it now",
        file=sys.stderr,
    )


def add_commands(commands: Any) -> None:
    """Register `tenantctl keys ...`."""
    keys = commands.add_parser("keys", help="a tenant's API keys: list, create, rotate, revoke")
    sub = keys.add_subparsers(required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="newest first, without secrets")
    listing.add_argument("tenant_id")
    listing.add_argument("--json", action="store_true", help="raw JSON instead of a table")
    listing.set_defaults(run=ls)
    new = sub.add_parser("create", help="a new key, printed once")
    new.add_argument("tenant_id")
    new.add_argument("--name", required=True, help="what it is for")
    new.add_argument(
        "--scope", action="append", help="repeat for several (default: admin)", default=[]
    )
    new.add_argument("--expires-in-days", type=int, help="default: it does not expire")
    new.add_argument("--json", action="store_true")
    new.set_defaults(run=create)
    turn = sub.add_parser("rotate", help="a successor, printed once; the old key works on a while")
    turn.add_argument("tenant_id")
    turn.add_argument("key_id")
    turn.add_argument(
        "--overlap", type=int, help="seconds the old key keeps working (default 86400)"
    )
    turn.add_argument("--json", action="store_true")
    turn.set_defaults(run=rotate)
    gone = sub.add_parser("revoke", help="revoke a key at once")
    gone.add_argument("tenant_id")
    gone.add_argument("key_id")
    gone.set_defaults(run=revoke)
