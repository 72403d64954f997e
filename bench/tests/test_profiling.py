"""`--profile`: each profiled service ends with a flame graph or the reason it has none."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench import profiling


def test_every_profiled_service_gets_a_flame_graph_or_a_stated_reason(tmp_path: Path) -> None:
    if profiling.py_spy() is None:
        pytest.fail("py-spy is part of the dev dependencies; `make sync` installs it")
    target = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        profilers = profiling.start(
            {target.pid: "svc", 999_999: "other"}, ("svc",), tmp_path / "run-saga-profile"
        )
        assert [p.service for p in profilers] == ["svc"], "only the chosen services"
        time.sleep(1.5)
        written, missing = profiling.stop(profilers)
    finally:
        target.kill()
        target.wait()
    assert set(written) | set(missing) == {"svc"}
    if written:
        assert Path(written["svc"]).read_text().lstrip().startswith("<?xml")
        assert not (tmp_path / "run-saga-profile-svc.log").exists()
    else:
        # Where py-spy cannot attach (no ptrace rights, an unsupported interpreter build),
        # its own message says why, and the log it came from is kept.
        why = missing["svc"]
        assert why.startswith("py-spy wrote no profile: ")
        assert "it said nothing" not in why
        assert (tmp_path / "run-saga-profile-svc.log").exists()


def test_a_service_of_several_processes_is_one_profile_of_them_all(tmp_path: Path) -> None:
    if profiling.py_spy() is None:
        pytest.fail("py-spy is part of the dev dependencies; `make sync` installs it")
    # A parent and its worker, as uvicorn's PROCESSES=2 would have them (here one worker).
    code = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        time.sleep(0.5)
        worker = int(Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()[0])
        profilers = profiling.start(
            {parent.pid: "svc", worker: "svc"}, ("svc",), tmp_path / "run-saga-profile"
        )
        assert len(profilers) == 1, "one py-spy for the service, not one per process"
        args = profilers[0].process.args
        assert isinstance(args, list)
        assert args[:5] == [
            profiling.py_spy(),
            "record",
            "--pid",
            str(parent.pid),
            "--subprocesses",
        ]
        profiling.stop(profilers)
    finally:
        subprocess.run(["pkill", "-P", str(parent.pid)], check=False)
        parent.kill()
        parent.wait()
