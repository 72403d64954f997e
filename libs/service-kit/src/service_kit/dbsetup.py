"""`python -m service_kit.dbsetup`: create the database in DATABASE_URL if it is missing."""

from __future__ import annotations

import asyncio
import os
import sys

from service_kit.migrations import ensure_database
from service_kit.settings import ServiceSettings


def main() -> int:
    url = os.environ.get("DATABASE_URL", ServiceSettings().database_url)
    try:
        created = asyncio.run(ensure_database(url))
    except OSError as exc:
        print(f"cannot reach PostgreSQL for {url.split('@')[-1]}: {exc}", file=sys.stderr)
        return 1
    print(("created database " if created else "database exists: ") + url.rsplit("/", 1)[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
