"""Run the whole control plane on this machine: `make run` ends up here.

Checks that PostgreSQL, Redis and RabbitMQ answer (when they do not: docker compose if a Docker
engine exists, else the system's packages on Debian/Ubuntu, installed and started; see
engines.py), creates the database, migrates every service, then runs the five services with
prefixed logs until Ctrl-C.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from engines import ENGINES, Engine, Machine, Missing, Plan, plan

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

COLOUR = sys.stdout.isatty()


def _paint(text: str, code: str) -> str:
    return f"\033[{code}m{text}\033[0m" if COLOUR else text


def say(message: str) -> None:
    print(f"{_paint('[run]', '1')} {message}", flush=True)


def _reachable(url: str, port: int) -> bool:
    if url.startswith("postgres"):
        return _postgres_reachable(url)
    parts = urlsplit(url.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or port), 1):
            return True
    except OSError:
        return False


def _postgres_reachable(url: str) -> bool:
    """True if any host the URL lists answers (a Patroni leader may be on any of them)."""
    from service_kit.database_urls import DatabaseUrlError, database_hosts

    try:
        hosts = database_hosts(url)
    except DatabaseUrlError as exc:
        sys.exit(f"DATABASE_URL {exc}")
    answering = []
    for host in hosts:
        try:
            if host.socket_path is not None:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(1)
                    sock.connect(host.socket_path)
            else:
                socket.create_connection((host.host, host.port), 1).close()
            answering.append(host)
        except OSError:
            say(f"PostgreSQL does not answer at {host.socket_path or f'{host.host}:{host.port}'}")
    return bool(answering)


# Clustered engines are reached through a list: the engine is up if any member of it answers.
CLUSTER_VARIABLES = {"RABBITMQ_URL": "RABBITMQ_URLS", "REDIS_URL": "REDIS_SENTINELS"}


def _answers(engine: Engine) -> bool:
    members = os.environ.get(CLUSTER_VARIABLES.get(engine.variable, ""), "").strip()
    if members:
        return _any_member_answers(engine, members)
    return _reachable(os.environ.get(engine.variable, engine.default_url), engine.port)


def _any_member_answers(engine: Engine, members: str) -> bool:
    """`RABBITMQ_URLS` (amqp URLs) or `REDIS_SENTINELS` (host:port), each member tried."""
    answering = False
    for member in (m.strip() for m in members.split(",") if m.strip()):
        parts = urlsplit(member if "://" in member else f"tcp://{member}")
        address = (parts.hostname or "127.0.0.1", parts.port or engine.port)
        try:
            socket.create_connection(address, 1).close()
            answering = True
        except OSError:
            say(f"{engine.name} does not answer at {address[0]}:{address[1]}")
    return answering


def _docker_engine() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, check=False)  # noqa: S607
    return probe.returncode == 0


def this_machine() -> Machine:
    # rabbitmq-server lands in /usr/sbin, which a user's PATH often lacks.
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return Machine(
        docker=_docker_engine(),
        apt_get=shutil.which("apt-get") is not None,
        root=os.geteuid() == 0,
        sudo=shutil.which("sudo") is not None,
        installed=frozenset(e.program for e in ENGINES if shutil.which(e.program, path=path)),
    )


def carry_out(plan: Plan, answers: Callable[[Engine], bool] = _answers) -> None:
    """Run the plan's commands one by one, saying each, and wait until what they start answers."""
    if plan.refusal:
        sys.exit(plan.refusal)
    for step in plan.steps:
        if step.unless_answering and answers(step.unless_answering):
            say(f"{step.unless_answering.name} answers already; leaving it as it is")
            continue
        say(f"{step.says}:  {step.command}")
        done = subprocess.run(["sh", "-c", step.command], check=False)  # noqa: S603, S607
        if done.returncode != 0:
            sys.exit(f"this failed (exit status {done.returncode}): {step.command}")
        if (engine := step.waits_for) is not None:
            say(f"waiting for {engine.name} to answer on port {engine.port}")
            deadline = time.monotonic() + engine.wait_seconds
            while not answers(engine):
                if time.monotonic() > deadline:
                    sys.exit(
                        f"{engine.name} started but did not answer on port {engine.port} within"
                        f" {engine.wait_seconds:.0f}s; see {engine.log}"
                    )
                time.sleep(0.5)
            say(f"{engine.name} answers")


def ensure_infrastructure() -> None:
    missing = [
        Missing(e, os.environ.get(e.variable, e.default_url)) for e in ENGINES if not _answers(e)
    ]
    if not missing:
        say("PostgreSQL, Redis and RabbitMQ are reachable")
        return
    carry_out(plan(missing, this_machine()))


def migrate() -> None:
    from service_kit.database_urls import database_name
    from service_kit.migrations import ensure_database, upgrade
    from service_kit.settings import ServiceSettings

    # Through DATABASE_DIRECT_URL when set: migrations hold a session-level lock.
    url = ServiceSettings().direct_database_url
    if asyncio.run(ensure_database(url)):
        say(f"created database {database_name(url)}")
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
