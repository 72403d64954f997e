"""What the workload, the faults and the oracle need from a running control plane: the local
processes this suite starts, or the `make ha` stack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from chaos.engines import EngineControl, Restartable
from service_kit_testing import SmtpSink, TcpProxy, TestInfra

SERVICES = ("tenant-api", "lead-verifier", "provisioner", "webhook-receiver", "notifier")
OPS_EMAIL = "ops@chaos.example"


class ServiceControl(Protocol):
    """The services' processes, as a supervisor (systemd, Kubernetes) would handle them."""

    async def kill(self, service: str) -> None:
        """SIGKILL one process of `service`: no shutdown code runs."""

    async def start(self, service: str) -> None:
        """Start the killed process again and wait until its /readyz answers 200."""

    async def restart(self, service: str) -> None:
        """SIGTERM one process, wait for its graceful exit, start it again, wait until ready
        (a service running as several processes: each of them in turn)."""


@dataclass
class Target:
    """A running control plane. `infra` addresses the engines directly (never through a
    proxy), for the oracle and the provisioner's fault hooks; `mail` receives every e-mail."""

    name: str
    infra: TestInfra
    mail: SmtpSink
    urls: Mapping[str, str]
    services: ServiceControl
    # Between the services and each engine ("postgres", "rabbitmq", "redis"), where they exist.
    proxies: Mapping[str, TcpProxy] = field(default_factory=dict)
    # Clustered engines (`make ha`), and engines that may be restarted ("redis", ...).
    engines: EngineControl | None = None
    restartable: Mapping[str, Restartable] = field(default_factory=dict)
    # The services' RETRY_DELAYS: the retry tiers' queue names carry them.
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)

    @property
    def gateway(self) -> str:
        return self.urls["tenant-api"]
