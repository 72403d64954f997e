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
