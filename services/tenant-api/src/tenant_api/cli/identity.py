"""`tenantctl tenants identity`: the tenant's own OpenID client (the identity step's)."""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from tenant_api.cli.gateway import call
from tenant_api.cli.output import printed_as_json


def show(args: argparse.Namespace) -> None:
    client = call("GET", f"/tenants/{args.tenant_id}/identity")
    if printed_as_json(client, args.json):
        return
    print(f"issuer         {client['issuer']}")
    print(f"client id      {client['clientId']}")
    for uri in client["redirectUris"]:
        print(f"redirect uri   {uri}")
    print(f"registered at  {client['registeredAt']}")
    print(f"secret         vault credential `identity` of tenant {args.tenant_id}")


def add_commands(actions: Any) -> None:
    """Register `identity` under `tenantctl tenants`."""
    parser = actions.add_parser(
        "identity", help="the tenant's own OpenID client at the provider (no secret)"
    )
    parser.add_argument("tenant_id", type=UUID)
    parser.add_argument("--json", action="store_true", help="raw JSON")
    parser.set_defaults(run=show)
