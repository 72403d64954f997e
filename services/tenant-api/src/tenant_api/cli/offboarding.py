"""`tenantctl tenants offboard | restore | exports`: offboarding with its grace, and its exports."""

from __future__ import annotations

import argparse
from uuid import UUID

from tenant_api.cli.gateway import call
from tenant_api.cli.output import printed_as_json, table


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    offboard = sub.add_parser(
        "offboard",
        help="schedule offboarding after the grace (admin); --now: export and remove at once",
    )
    offboard.add_argument("tenant_id", type=UUID)
    offboard.add_argument("--now", action="store_true", help="skip the grace")
    offboard.add_argument("--reason", help="recorded with the event")
    offboard.set_defaults(run=_offboard)
    restore = sub.add_parser("restore", help="call off a scheduled offboarding (admin)")
    restore.add_argument("tenant_id", type=UUID)
    restore.set_defaults(run=_restore)
    exports = sub.add_parser("exports", help="the tenant's exports: location, files, checksums")
    exports.add_argument("tenant_id", type=UUID)
    exports.add_argument("--json", action="store_true")
    exports.set_defaults(run=_exports)


def _offboard(args: argparse.Namespace) -> None:
    params = {"now": "true" if args.now else None, "reason": args.reason}
    accepted = call("DELETE", f"/tenants/{args.tenant_id}", params)
    if accepted["status"] == "OFFBOARDING_SCHEDULED":
        tenant = call("GET", f"/tenants/{args.tenant_id}")
        print(
            f"offboarding of {args.tenant_id} scheduled for {tenant['offboardingDueAt']}; "
            f"`tenantctl tenants restore {args.tenant_id}` calls it off until then"
        )
    else:
        print(f"{args.tenant_id} is {accepted['status']}: exporting, then removing")


def _restore(args: argparse.Namespace) -> None:
    accepted = call("POST", f"/tenants/{args.tenant_id}/restore")
    print(f"{args.tenant_id} restored: {accepted['status']}")


def _exports(args: argparse.Namespace) -> None:
    answer = call("GET", f"/tenants/{args.tenant_id}/exports")
    if printed_as_json(answer, args.json):
        return
    if not answer["items"]:
        print("no exports")
    for export in answer["items"]:
        print(f"export    {export['id']}  {export['status']}")
        print(f"location  {export['location']}")
        table(
            ("FILE", "BY", "BYTES", "SHA256"),
            [(f["path"], f["service"], f["size"], f["sha256"]) for f in export["files"]],
        )
