"""`python -m service_kit.dbsetup`: create the database in DATABASE_URL if it is missing
(through DATABASE_DIRECT_URL when set: a pooler does not serve the maintenance database)."""

from __future__ import annotations

import asyncio
import sys

from service_kit.migrations import ensure_database
from service_kit.settings import ServiceSettings


def main() -> int:
    url = ServiceSettings().direct_database_url
    try:
        created = asyncio.run(ensure_database(url))
    except OSError as exc:
        print(f"cannot reach PostgreSQL for {url.split('@')[-1]}: {exc}", file=sys.stderr)
        return 1
    print(("created database " if created else "database exists: ") + url.rsplit("/", 1)[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
