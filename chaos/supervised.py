"""The five services as one process each, supervised by the suite, on a run's infrastructure
(whatever engines it names) with the suite's mail sink: the single-node target's services, and
the test suite's on the clustered engines."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from chaos.local import SETTINGS, PatientSink
from chaos.processes import ROOT, LocalProcesses
from chaos.target import SERVICES, Target
from service_kit.migrations import upgrade
from service_kit_testing import TestInfra, free_port_base


@asynccontextmanager
async def supervised_target(
    name: str, infra: TestInfra, directory: Path, **control: Any
) -> AsyncIterator[Target]:
    """Migrate, start the mail sink and the services; stop them after. `control`: the
    Target's `engines` and `restartable`."""
    async with AsyncExitStack() as stack:
        for service in SERVICES:
            await asyncio.to_thread(upgrade, ROOT / "services" / service, infra.database_url)
        mail = PatientSink(host="127.0.0.1", port=0, messages=[])
        mail.start()
        stack.callback(mail.stop)
        port_base = free_port_base(count=len(SERVICES))
        env = {
            **infra.env,
            **SETTINGS,
            "SMTP_URL": mail.url,
            "LEAD_VERIFIER_URL": f"http://127.0.0.1:{port_base + 1}",
            "WEBHOOK_CALLBACK_URL": f"http://127.0.0.1:{port_base + 3}/webhooks/provisioning",
        }
        processes = LocalProcesses(env, port_base, directory)
        stack.push_async_callback(processes.stop_all)
        await processes.start_all()
        yield Target(
            name=name,
            infra=infra,
            mail=mail,
            urls=processes.urls,
            services=processes,
            retry_delays=tuple(float(d) for d in SETTINGS["RETRY_DELAYS"].split(",")),
            **control,
        )
