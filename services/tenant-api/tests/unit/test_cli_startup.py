"""tenantctl starts without the service's web and database stack (it is run by hand, often)."""

from __future__ import annotations

import json
import subprocess
import sys

# What an HTTP command has no use for; loading them cost ~1.5 s before every command.
_HEAVY = ("fastapi", "sqlalchemy", "redis", "aio_pika", "tenant_api.auth", "tenant_api.cli.vault")


def test_the_gateway_commands_load_neither_the_web_nor_the_database_stack() -> None:
    probe = (
        "import json, sys\n"
        "from tenant_api.cli.main import _parser\n"
        "_parser().parse_args(['dlq', 'ls'])\n"
        f"print(json.dumps([m for m in {_HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(  # a fresh interpreter: this test process has imported everything
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
