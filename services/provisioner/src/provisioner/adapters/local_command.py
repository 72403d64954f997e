"""The local driver's work for one callback: run PIPELINE_LOCAL_COMMAND, and the callback's
body that tells its outcome (ARC-compatible)."""

from __future__ import annotations

import asyncio
import json
import os

from provisioner.adapters.local_callbacks import PendingCallback
from provisioner.settings import ProvisionerSettings


async def command_succeeds(settings: ProvisionerSettings, callback: PendingCallback) -> bool:
    """Run the command for the callback's tenant; no command is a success. It must be
    idempotent: after a crash, another replica runs it again."""
    command = settings.pipeline_local_command
    if not command:
        return True
    env = {
        **os.environ,
        "TENANT_ID": str(callback.tenant_id),
        "TENANT_KEY": callback.tenant_key,
        "TENANT_TIER": callback.tier,
        "PIPELINE_ID": str(callback.pipeline_id),
    }
    proc = await asyncio.create_subprocess_shell(command, env=env)
    try:
        async with asyncio.timeout(settings.provisioner_callback_timeout):
            return await proc.wait() == 0
    except TimeoutError:
        return False
    finally:
        if proc.returncode is None:  # timed out, or the service is stopping
            proc.kill()


def callback_body(callback: PendingCallback, succeeded: bool) -> str:
    return json.dumps(
        {
            "initiatorId": str(callback.tenant_id),
            "type": 0,
            "data": {
                "status": 1 if succeeded else 0,
                "resources": [{"kind": "local-pipeline", "tenant": callback.tenant_key}],
                "appPlaneUrl": callback.app_url,
            },
        }
    )
