"""How long a step waits for an engine, and what its timeline says meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisioner.domain.outage import EngineWait, engine_reason, wait_for_engine

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_wait_is_timed_from_the_outage_start_and_ends_on_the_budget() -> None:
    first = wait_for_engine(None, T0, 120)
    assert first == EngineWait(since=T0, delay=1.0)
    later = wait_for_engine(T0, T0 + timedelta(seconds=30), 120)
    assert later == EngineWait(since=T0, delay=10.0)
    last = wait_for_engine(T0, T0 + timedelta(seconds=117), 120)
    assert last == EngineWait(since=T0, delay=pytest.approx(3.0))
    assert wait_for_engine(T0, T0 + timedelta(seconds=120), 120) is None
    assert wait_for_engine(None, T0, 0) is None, "a tolerance of 0 counts every error at once"


def test_the_reason_names_the_error_and_the_budget() -> None:
    reason = engine_reason(ConnectionRefusedError(111, "Connect call failed"), 12.4, 120)
    assert reason == (
        "engine unavailable: ConnectionRefusedError: [Errno 111] Connect call failed"
        " (waiting 12s of 120s)"
    )
