"""`python -m bench --only growth` at a tiny scale, against the real engines: every figure is
measured on both databases and the report has a number for each (no speed is asserted)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.growth.report import FIGURES
from bench.growth.volumes import Volumes

ROOT = Path(__file__).resolve().parents[2]


def test_a_tiny_growth_run_reports_every_figure_on_both_databases(tmp_path: Path) -> None:
    wrk = shutil.which("wrk")
    assert wrk is not None, "wrk is needed (make wrk)"
    argv = [sys.executable, "-m", "bench", "--only", "growth", "--wrk", wrk, "--no-fsync"]
    argv += ["--growth-scale", "0.002", "--growth-tenants", "30", "--growth-repeat", "3"]
    argv += ["--growth-burst-wait", "0", "--growth-wrk-seconds", "1"]
    # Small pools: the test measures nothing, and the server's connections are shared.
    argv += ["--service-env", "DB_POOL_SIZE=3", "--results-dir", str(tmp_path)]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=170, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "latest.json").read_text())["scenarios"]["growth"]

    assert [row["figure"] for row in result["figures"]] == [f.name for f in FIGURES]
    for row in result["figures"]:
        assert isinstance(row["empty"], float), row
        assert isinstance(row["seeded"], float), row
    expected = Volumes.at(0.002)
    seeded = result["seed"]["tables"]
    assert seeded["tenant_api.tenants"]["rows"] == expected.tenants
    assert seeded["tenant_api.tenant_events"]["rows"] == expected.tenants * 20
    assert seeded["tenant_api.dead_letters"]["rows"] == expected.dead_letters
    assert sum(v["rows"] for k, v in seeded.items() if k.endswith(".outbox")) == expected.outbox
    assert sum(v["rows"] for k, v in seeded.items() if k.endswith(".inbox")) == expected.inbox
    assert result["phases"]["seeded"]["saga"]["active"] == 30
    # The run removed what it created, seeded rows included (its database is dropped).
    assert json.loads((tmp_path / "latest.json").read_text())["cleanup_problems"] == []
