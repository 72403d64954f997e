"""The harness's command line refuses what it cannot run before starting anything."""

from __future__ import annotations

import pytest

from bench.run import parse_args


def test_profile_names_services_and_refuses_unknown_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert parse_args(["--profile", "tenant-api,provisioner"]).profile == "tenant-api,provisioner"
    with pytest.raises(SystemExit) as refused:
        parse_args(["--profile", "tenant-api,gateway"])
    assert refused.value.code == 2
    assert "--profile: unknown service(s): gateway" in capsys.readouterr().err


def test_unknown_scenarios_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--only", "config,nap"])
    assert "unknown scenario(s): nap" in capsys.readouterr().err


def test_growth_runs_only_when_named() -> None:
    assert "growth" not in parse_args([]).only.split(",")
    assert "saga" in parse_args([]).only.split(",")
    named = parse_args(["--only", "growth", "--growth-scale", "0.1"])
    assert (named.only, named.growth_scale) == ("growth", 0.1)
