"""`tenantctl`: the operators' command line (dev tokens, tenants, leads, API keys, dead
letters, audit)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from uuid import UUID, uuid4

from service_kit.tokens import mint_token
from tenant_api.cli import audit, dlq, identity, keys, leads, login, offboarding, pipeline
from tenant_api.cli.gateway import GATEWAY_URL, CliError, call, settings
from tenant_api.cli.output import labelled, page, postal, printed_as_json
from tenant_api.domain.roles import Role


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.run(args)
    except CliError as exc:
        print(f"tenantctl: {exc}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tenantctl",
        description="Operate the control plane. Talks to the gateway at $GATEWAY_URL "
        f"(default {GATEWAY_URL}) with $TENANTCTL_TOKEN, else the session `tenantctl login` "
        "saved, else (development sign-in only) an admin token signed with $JWT_SECRET; "
        "`vault rotate` connects to $DATABASE_URL instead.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    login.add_commands(commands)

    token = commands.add_parser("token", help="print a signed JWT (development)")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--tenant-id", type=UUID, help="required for --role tenant")
    token.add_argument("--lead-id", type=UUID, help="required for --role lead")
    token.add_argument("--sub", help="subject (default: tenantctl:<role>)")
    token.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    token.set_defaults(run=_token)

    tenants = commands.add_parser("tenants", help="list, show, count, offboard and restore tenants")
    sub = tenants.add_subparsers(required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="newest first")
    listing.add_argument("--status", help="e.g. ACTIVE, PENDING_PROVISION")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="raw JSON instead of a table")
    listing.set_defaults(run=_tenants_list)
    show = sub.add_parser("show", help="one tenant with contacts and address")
    show.add_argument("tenant_id", type=UUID)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_tenants_show)
    take = sub.add_parser("api-key", help="take the tenant's initial admin API key (once)")
    take.add_argument("tenant_id", type=UUID)
    take.set_defaults(run=_api_key)
    reissue = sub.add_parser(
        "reissue-key", help="revoke the initial admin API key and issue a new one (admin)"
    )
    reissue.add_argument("tenant_id", type=UUID)
    reissue.add_argument(
        "--idempotency-key", help="repeat it to retry safely (default: a new one per call)"
    )
    reissue.set_defaults(run=_reissue_key)
    leads.add_tenant_count(sub)
    pipeline.add_commands(sub)
    offboarding.add_commands(sub)
    identity.add_commands(sub)
    keys.add_commands(commands)
    leads.add_commands(commands)
    _add_vault_commands(commands)
    dlq.add_commands(commands)
    audit.add_commands(commands)
    return parser


def _add_vault_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `tenantctl vault rotate`."""
    group = commands.add_parser("vault", help="the credential vault's master keys (database)")
    actions = group.add_subparsers(required=True, metavar="ACTION")
    rotate_cmd = actions.add_parser(
        "rotate",
        help="re-wrap every tenant's data key under the current master key",
        description="Re-wrap every tenant's data key under the first key of VAULT_MASTER_KEYS "
        "(or VAULT_MASTER_KEY_VERSION). Connects to $DATABASE_URL directly, not to the gateway; "
        "safe while the service runs, and idempotent.",
    )
    rotate_cmd.add_argument(
        "--batch-size", type=int, default=100, help="tenants per batch (default 100)"
    )
    rotate_cmd.set_defaults(run=_vault_rotate)


def _vault_rotate(args: argparse.Namespace) -> None:
    # Only this command needs the database side: the others start without loading it.
    from tenant_api.cli import vault

    vault.run(args)


def _token(args: argparse.Namespace) -> None:
    role = Role(args.role)
    if role is Role.TENANT and args.tenant_id is None:
        raise CliError("--role tenant needs --tenant-id")
    if role is Role.LEAD and args.lead_id is None:
        raise CliError("--role lead needs --lead-id")
    print(
        mint_token(
            settings(),
            role=role.value,
            sub=args.sub or f"tenantctl:{role.value}",
            ttl=timedelta(seconds=args.ttl),
            tenant_id=args.tenant_id,
            lead_id=args.lead_id,
        )
    )


def _tenants_list(args: argparse.Namespace) -> None:
    page(
        "/tenants",
        {"status": args.status, "limit": args.limit},
        as_json=args.json,
        header=("ID", "KEY", "STATUS", "TIER", "NAME", "CREATED"),
        row=lambda t: (t["id"], t["key"], t["status"], t["tier"], t["name"], t["createdAt"][:19]),
        noun="tenant",
    )


def _tenants_show(args: argparse.Namespace) -> None:
    tenant = call("GET", f"/tenants/{args.tenant_id}")
    if printed_as_json(tenant, args.json):
        return
    rows = [
        ("id", tenant["id"]),
        ("key", tenant["key"]),
        ("name", tenant["name"]),
        ("status", tenant["status"]),
        ("tier", tenant["tier"]),
        ("plan", tenant["planId"] or "-"),
        ("domains", ", ".join(tenant["domains"])),
        ("created", tenant["createdAt"]),
    ]
    for contact in tenant["contacts"]:
        primary = " (primary)" if contact["isPrimary"] else ""
        rows.append(
            (
                "contact",
                f"{contact['firstName']} {contact['lastName']} <{contact['email']}>{primary}",
            )
        )
    if tenant["address"]:
        rows.append(("address", postal(tenant["address"])))
    labelled(rows)


def _api_key(args: argparse.Namespace) -> None:
    print(call("GET", f"/tenants/{args.tenant_id}/api-key")["apiKey"])


def _reissue_key(args: argparse.Namespace) -> None:
    key = args.idempotency_key or str(uuid4())
    accepted = call(
        "POST",
        f"/tenants/{args.tenant_id}/api-key/reissue",
        headers={"Idempotency-Key": key},
    )
    print(
        f"re-issue requested for {accepted['tenantId']} (Idempotency-Key {key}); take the new "
        f"key with `tenantctl tenants api-key {accepted['tenantId']}`"
    )


if __name__ == "__main__":
    raise SystemExit(main())
