"""Run the whole control plane on this machine: `make run` ends up here.

Checks that PostgreSQL, Redis and RabbitMQ answer (starting them with docker compose when they
do not and a Docker engine exists), creates the database, migrates every service, then runs
the five services with prefixed logs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Service:
    name: str
    package: str
    offset: int
    colour: str

    def own_settings(self, env: dict[str, str]) -> dict[str, str]:
        """`TENANT_API_PROCESSES=2` and the like: a setting for this service alone."""
        own = env.get(f"{self.package.upper()}_PROCESSES")
        return {"PROCESSES": own} if own else {}


SERVICES = (
    Service("tenant-api", "tenant_api", 0, "36"),
    Service("lead-verifier", "lead_verifier", 1, "35"),
    Service("provisioner", "provisioner", 2, "33"),
    Service("webhook-receiver", "webhook_receiver", 3, "34"),
    Service("notifier", "notifier", 4, "32"),
)

INFRA = (
    (
        "PostgreSQL",
        "DATABASE_URL",
        "postgresql://postgres@127.0.0.1:5432/controlplane",
        5432,
        "postgres",
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    ),
    (
        "Redis",
        "REDIS_URL",
        "redis://127.0.0.1:6379/0",
        6379,
        "redis",
        "redis-server --daemonize yes --port 6379",
    ),
    (
        "RabbitMQ",
        "RABBITMQ_URL",
        "amqp://guest:guest@127.0.0.1:5672/",
        5672,
        "rabbitmq",
        "rabbitmq-server -detached",
    ),
)


COLOUR = sys.stdout.isatty()


def _paint(text: str, code: str) -> str:
    return f"\033[{code}m{text}\033[0m" if COLOUR else text


def say(message: str) -> None:
    print(f"{_paint('[run]', '1')} {message}", flush=True)


def _reachable(url: str, port: int) -> bool:
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or port), 1):
            return True
    except OSError:
        return False


def _docker_engine() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, check=False)  # noqa: S607
    return probe.returncode == 0


def ensure_infrastructure() -> None:
    missing = [i for i in INFRA if not _reachable(os.environ.get(i[1], i[2]), i[3])]
    if not missing:
        say("PostgreSQL, Redis and RabbitMQ are reachable")
        return
    names = ", ".join(i[0] for i in missing)
    if _docker_engine():
        say(f"{names} not reachable; starting with docker compose")
        subprocess.run(  # noqa: S603
            ["docker", "compose", "up", "-d", "--wait", *(i[4] for i in missing)],  # noqa: S607
            cwd=ROOT,
            check=True,
        )
        return
    lines = [f"{names} not reachable, and no Docker engine to start them. Start them with:"]
    for name, var, default, _, _, command in missing:
        now = os.environ.get(var, default)
        lines.append(f"  {name:<10} {command}    (or set {var}; now {now})")
    sys.exit("\n".join(lines))


def migrate() -> None:
    from service_kit.migrations import ensure_database, upgrade
    from service_kit.settings import ServiceSettings

    url = os.environ.get("DATABASE_URL", ServiceSettings().database_url)
    if asyncio.run(ensure_database(url)):
        say(f"created database {url.rsplit('/', 1)[-1]}")
    for service in SERVICES:
        upgrade(ROOT / "services" / service.name, url)
    say("migrations applied for all five services")


async def _pump(service: Service, stream: asyncio.StreamReader, width: int) -> None:
    prefix = _paint(f"{service.name:<{width}}", service.colour) + " | "
    while line := await stream.readline():
        sys.stdout.write(prefix + line.decode(errors="replace"))
        sys.stdout.flush()


def _ready(url: str) -> bool:
    try:
        with urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback URL
            return bool(response.status == 200)
    except (URLError, OSError):
        return False


async def run_services(port_base: int, ready_timeout: float) -> int:
    width = max(len(s.name) for s in SERVICES)
    env = {
        "LOG_FORMAT": "console",
        "LEAD_VERIFIER_URL": f"http://127.0.0.1:{port_base + 1}",
        "WEBHOOK_CALLBACK_URL": f"http://127.0.0.1:{port_base + 3}/webhooks/provisioning",
        **os.environ,
        "PYTHONUNBUFFERED": "1",
    }
    procs: list[asyncio.subprocess.Process] = []
    pumps = []
    for service in SERVICES:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            service.package,
            env={**env, "PORT": str(port_base + service.offset), **service.own_settings(env)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=ROOT,
        )
        procs.append(proc)
        assert proc.stdout is not None
        pumps.append(asyncio.create_task(_pump(service, proc.stdout, width)))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    deadline = time.monotonic() + ready_timeout
    pending = {s.name: f"http://127.0.0.1:{port_base + s.offset}/readyz" for s in SERVICES}
    while pending and not stop.is_set():
        for name, url in list(pending.items()):
            if await asyncio.to_thread(_ready, url):
                del pending[name]
        if any(p.returncode is not None for p in procs):
            say("a service exited during start-up; see its log above")
            stop.set()
        elif pending and time.monotonic() > deadline:
            say(f"not ready after {ready_timeout:.0f}s: {', '.join(pending)}")
            stop.set()
        elif pending:
            await asyncio.sleep(0.2)
    if not pending:
        mail = os.environ.get("SMTP_URL") or f"files in {os.environ.get('MAIL_DIR', 'var/mail')}/"
        say(
            f"all five services ready: gateway http://127.0.0.1:{port_base}  "
            f"console http://127.0.0.1:{port_base}/console  "
            f"webhooks http://127.0.0.1:{port_base + 3}  mail -> {mail}  (Ctrl-C stops)"
        )

    waiters = [asyncio.create_task(p.wait()) for p in procs]
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait([stopper, *waiters], return_when=asyncio.FIRST_COMPLETED)
    failed = not stop.is_set()
    if failed:
        say("a service stopped unexpectedly; stopping the others")
    for proc in procs:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.gather(*waiters), timeout=15)
    except TimeoutError:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
    await asyncio.gather(*pumps, return_exceptions=True)
    stopper.cancel()
    say("stopped")
    return 1 if failed or pending else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--port-base", type=int, default=8000, help="tenant-api's port; the others follow"
    )
    parser.add_argument("--ready-timeout", type=float, default=60.0)
    parser.add_argument("--migrate-only", action="store_true", help="set up the database and stop")
    args = parser.parse_args()
    ensure_infrastructure()
    migrate()
    if args.migrate_only:
        return 0
    return asyncio.run(run_services(args.port_base, args.ready_timeout))


if __name__ == "__main__":
    raise SystemExit(main())
