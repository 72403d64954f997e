"""`tenantctl … --watch` ends on a picture that agrees with the pipeline's outcome."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tenant_api.cli import pipeline as cli
from tenant_api.cli.gateway import CliError


def _pipeline(status: str, *steps: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": "p1",
        "run": 1,
        "status": status,
        "steps": [{"name": name, "status": s, "attempts": 1} for name, s in steps],
    }


def _answers(monkeypatch: pytest.MonkeyPatch, *answers: dict[str, Any]) -> list[str]:
    """`call` answers these in turn (the last one for good); returns the paths asked for."""
    asked: list[str] = []
    queue: Iterator[dict[str, Any]] = iter(answers)
    last = answers[-1]

    def call(method: str, path: str) -> dict[str, Any]:
        asked.append(path)
        return next(queue, last)

    monkeypatch.setattr(cli, "call", call)
    return asked


def test_an_ended_pipeline_with_a_step_in_motion_is_not_settled() -> None:
    assert not cli.settled(_pipeline("RUNNING", ("database", "SUCCEEDED")))
    assert not cli.settled(
        _pipeline("SUCCEEDED", ("database", "SUCCEEDED"), ("billing", "IN_PROGRESS"))
    )
    assert cli.settled(_pipeline("SUCCEEDED", ("database", "SUCCEEDED"), ("billing", "SUCCEEDED")))
    assert cli.settled(_pipeline("FAILED", ("database", "COMPENSATED"), ("billing", "FAILED")))


def test_a_succeeded_pipeline_whose_last_step_has_not_arrived_is_not_settled() -> None:
    # The last step's events come through another queue than the outcome: none may be here yet.
    assert not cli.settled(
        _pipeline("SUCCEEDED", ("preflight", "SUCCEEDED"), ("database", "SUCCEEDED"))
    )
    assert cli.settled(
        _pipeline(
            "SUCCEEDED",
            ("preflight", "SUCCEEDED"),
            ("database", "SUCCEEDED"),
            ("credentials", "SUCCEEDED"),
            ("billing", "SUCCEEDED"),
        )
    )


def test_the_watch_waits_for_the_last_step_to_catch_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = _answers(
        monkeypatch,
        _pipeline("RUNNING", ("billing", "IN_PROGRESS")),
        _pipeline("SUCCEEDED", ("billing", "IN_PROGRESS")),
        _pipeline("SUCCEEDED", ("billing", "IN_PROGRESS")),
        _pipeline("SUCCEEDED", ("billing", "SUCCEEDED")),
        _pipeline("FAILED", ("billing", "FAILED")),  # never reached: the watch has ended
    )
    cli.watch("t1", interval=0, timeout=10)
    assert len(asked) == 4
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert last_line.split()[1:3] == ["billing", "SUCCEEDED"]


def test_a_step_that_never_catches_up_is_shown_as_it_stands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "SETTLE_SECONDS", 0.05)
    _answers(monkeypatch, _pipeline("CANCELLED", ("infrastructure", "IN_PROGRESS")))
    with pytest.raises(CliError, match="pipeline ended CANCELLED"):
        cli.watch("t1", interval=0.01, timeout=10)
    assert "IN_PROGRESS" in capsys.readouterr().out
