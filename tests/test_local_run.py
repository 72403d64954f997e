"""`make run`'s launcher: what it does when the infrastructure is not there, and how it runs
the plan of commands (engines.py decides it; tests/test_engines.py tests that)."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import sys
from pathlib import Path
from types import ModuleType

import pytest

from service_kit_testing import free_port

ROOT = Path(__file__).resolve().parents[1]
# As `python deploy/local_run.py` runs it: its folder first on the path, for engines.py.
sys.path.insert(0, str(ROOT / "deploy"))

from engines import Engine, Machine, Plan, Step  # noqa: E402 - after the path is set


def load_launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_run", ROOT / "deploy" / "local_run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_missing_infrastructure_is_named_with_the_command_that_starts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    launcher = load_launcher()
    # Port 9 on loopback: nothing listens there, and it is not the engines' own port, so neither
    # Docker (absent) nor the system's packages (they serve the default port) can help.
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/controlplane")
    monkeypatch.setenv("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:9/")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(launcher, "_docker_engine", lambda: False)
    with pytest.raises(SystemExit) as exit_info:
        launcher.ensure_infrastructure()
    message = str(exit_info.value.code)
    first, *commands = message.splitlines()
    assert first.startswith("PostgreSQL, RabbitMQ not reachable, and no Docker engine")
    assert any("pg_ctlcluster" in line and "DATABASE_URL" in line for line in commands)
    assert any("rabbitmq-server -detached" in line for line in commands)
    assert not any(line.strip().startswith("Redis") for line in commands), "Redis is up"


def test_reachable_infrastructure_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    launcher = load_launcher()
    for variable in ("DATABASE_URL", "RABBITMQ_URL", "REDIS_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(launcher, "this_machine", lambda: pytest.fail("nothing to start"))
    launcher.ensure_infrastructure()


def test_a_process_count_can_be_given_to_one_service_alone() -> None:
    launcher = load_launcher()
    env = {"TENANT_API_PROCESSES": "3", "PROVISIONER_WORKERS": "8"}
    own = {service.name: service.own_settings(env) for service in launcher.SERVICES}
    assert own["tenant-api"] == {"PROCESSES": "3"}
    # PROVISIONER_WORKERS is the provisioner's own setting (its step-engine loops), not this.
    assert own["provisioner"] == {}
    assert all(own[name] == {} for name in own if name != "tenant-api")


def test_a_machine_without_docker_or_apt_get_is_told_what_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    launcher = load_launcher()
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/controlplane")
    monkeypatch.delenv("RABBITMQ_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    bare = Machine(docker=False, apt_get=False, root=True, sudo=True, installed=frozenset())
    monkeypatch.setattr(launcher, "this_machine", lambda: bare)
    with pytest.raises(SystemExit) as exit_info:
        launcher.ensure_infrastructure()
    first, *commands = str(exit_info.value.code).splitlines()
    assert first == (
        "PostgreSQL not reachable, and no Docker engine or apt-get to start them. Start them with:"
    )
    assert commands == [
        "  PostgreSQL pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | sort -V | tail"
        " -n 1) main start    (or set DATABASE_URL; now"
        " postgresql+asyncpg://postgres@127.0.0.1:9/controlplane)"
    ]


def engine(port: int, wait_seconds: float = 10) -> Engine:
    return Engine(
        "Fake",
        "FAKE_URL",
        f"tcp://127.0.0.1:{port}",
        port,
        "fake",
        "fake",
        "fake",
        "true",
        "its log",
        wait_seconds,
    )


def test_the_plan_runs_each_command_through_the_shell_and_says_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    launcher = load_launcher()
    out = tmp_path / "out"
    plan = Plan(
        (
            Step("first", f"echo one > {out}"),
            Step("second", f"echo $(echo two) >> {out}"),
        )
    )
    launcher.carry_out(plan)
    assert out.read_text() == "one\ntwo\n"
    said = capsys.readouterr().out
    assert f"first:  echo one > {out}" in said
    assert f"second:  echo $(echo two) >> {out}" in said


def test_a_failing_command_stops_the_plan_naming_it(tmp_path: Path) -> None:
    launcher = load_launcher()
    after = tmp_path / "after"
    plan = Plan((Step("fails", "exit 3"), Step("never", f"touch {after}")))
    with pytest.raises(SystemExit) as exit_info:
        launcher.carry_out(plan)
    assert exit_info.value.code == "this failed (exit status 3): exit 3"
    assert not after.exists()


def test_what_answers_already_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    launcher = load_launcher()
    with socket.create_server(("127.0.0.1", 0)) as listening:
        port = listening.getsockname()[1]
        fake = engine(port)
        touched = tmp_path / "touched"
        step = Step("start", f"touch {touched}", waits_for=fake, unless_answering=fake)
        launcher.carry_out(Plan((step,)), answers=launcher._answers)
    assert not touched.exists()
    assert "Fake answers already; leaving it as it is" in capsys.readouterr().out


def test_a_started_engine_is_waited_for_until_it_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    launcher = load_launcher()
    port = free_port()
    fake = engine(port)
    pid_file = tmp_path / "pid"
    # A harmless stand-in for a server: a listener in the background, started by the shell.
    serve = (
        f"{sys.executable} -c 'import socket, time;"
        f' s = socket.create_server(("127.0.0.1", {port})); time.sleep(60)\''
        f" > /dev/null 2>&1 & echo $! > {pid_file}"
    )
    try:
        launcher.carry_out(Plan((Step("start", serve, waits_for=fake),)))
        said = capsys.readouterr().out
        assert f"waiting for Fake to answer on port {port}" in said
        assert said.rstrip().endswith("Fake answers")
    finally:
        if pid_file.exists():
            os.kill(int(pid_file.read_text()), signal.SIGTERM)


def test_an_engine_that_never_answers_is_reported_with_its_log() -> None:
    launcher = load_launcher()
    fake = engine(free_port(), wait_seconds=1)
    with pytest.raises(SystemExit) as exit_info:
        launcher.carry_out(Plan((Step("start", "true", waits_for=fake),)))
    assert exit_info.value.code == (
        f"Fake started but did not answer on port {fake.port} within 1s; see its log"
    )


def _dead_port() -> socket.socket:
    # Bound but never listening: connections to it are refused.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def test_each_host_of_a_multi_host_database_url_is_checked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    launcher = load_launcher()
    with _dead_port() as dead:
        port = dead.getsockname()[1]
        only_dead = f"postgresql+asyncpg://postgres@/controlplane?host=127.0.0.1&port={port}"
        assert not launcher._reachable(only_dead, 5432)
        # The first host is dead, the second is the machine's PostgreSQL: reachable, and the
        # dead one is named.
        both = (
            "postgresql+asyncpg://postgres@/controlplane"
            f"?host=127.0.0.1,127.0.0.1&port={port},5432&target_session_attrs=read-write"
        )
        assert launcher._reachable(both, 5432)
    assert f"PostgreSQL does not answer at 127.0.0.1:{port}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("variable", "live", "dead"),
    [
        ("RABBITMQ_URLS", "amqp://guest:guest@127.0.0.1:5672/", "amqp://guest:guest@127.0.0.1:{}/"),
        ("REDIS_SENTINELS", "127.0.0.1:6379", "127.0.0.1:{}"),
    ],
)
def test_a_clustered_engine_answers_if_any_member_does(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    live: str,
    dead: str,
) -> None:
    launcher = load_launcher()
    engine = next(
        e for e in launcher.ENGINES if launcher.CLUSTER_VARIABLES.get(e.variable) == variable
    )
    # The single-node variable points nowhere: only the list may decide.
    with _dead_port() as gone, _dead_port() as single:
        port = gone.getsockname()[1]
        monkeypatch.setenv(engine.variable, dead.format(single.getsockname()[1]))
        monkeypatch.setenv(variable, dead.format(port))
        assert not launcher._answers(engine)
        monkeypatch.setenv(variable, f"{dead.format(port)},{live}")
        assert launcher._answers(engine)
    assert f"{engine.name} does not answer at 127.0.0.1:{port}" in capsys.readouterr().out


def test_a_database_url_that_would_lose_a_host_stops_the_launcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    launcher = load_launcher()
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql+asyncpg://u:pw-not-shown@/cp?host=a:1&host=127.0.0.1:5432"
    )
    with pytest.raises(SystemExit) as exit_info:
        launcher.ensure_infrastructure()
    message = str(exit_info.value.code)
    assert message.startswith("DATABASE_URL repeats `host=`")
    assert "pw-not-shown" not in message
