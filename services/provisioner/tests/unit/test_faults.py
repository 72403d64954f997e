"""Fault hooks as written in Redis by tests and demos."""

from __future__ import annotations

import pytest

from provisioner.adapters.faults import Faults, parse_faults


@pytest.mark.parametrize(
    ("value", "faults"),
    [
        (None, Faults()),
        ("fail:billing", Faults(failing_step="billing")),
        ("hold-callback", Faults(hold_callback=True)),
        ("delay-callback:2.5", Faults(callback_delay=2.5)),
        ("handler-error", Faults(handler_error=True)),
    ],
)
def test_each_fault_value_is_understood(value: str | None, faults: Faults) -> None:
    assert parse_faults(value) == faults


def test_an_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        parse_faults("handler-errors")
