"""The `--from`/`--to` time window that listing commands share, and how the gateway takes it."""

from __future__ import annotations

import argparse


def add_window(
    parser: argparse.ArgumentParser, *, what: str = "", metavar: str | None = None
) -> None:
    """`--from` (inclusive) and `--to` (exclusive), times with their zone; `what` says which."""
    lead = f"{what} " if what else ""
    parser.add_argument(
        "--from", dest="since", metavar=metavar, help=f"{lead}at or after (ISO 8601 with zone)"
    )
    parser.add_argument(
        "--to", dest="until", metavar=metavar, help=f"{lead}before (ISO 8601 with zone)"
    )


def window(args: argparse.Namespace) -> dict[str, str | None]:
    """The window as the gateway's `from` and `to` query parameters."""
    return {"from": args.since, "to": args.until}
