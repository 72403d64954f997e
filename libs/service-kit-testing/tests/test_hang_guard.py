"""A hung test fails with the stacks of what it waits on, and the run goes on."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

_HANGING = """
import asyncio

import pytest


async def waits_forever_in_the_call():
    await asyncio.Event().wait()


async def test_hangs():
    await waits_forever_in_the_call()


async def waits_forever_in_the_teardown():
    await asyncio.Event().wait()


@pytest.fixture
async def resource():
    yield
    await waits_forever_in_the_teardown()


async def test_hangs_at_teardown(resource):
    pass


def test_after():
    pass
"""


def test_a_hung_phase_fails_with_its_stacks_and_the_run_goes_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_hanging=_HANGING)
    result = pytester.runpytest_subprocess(
        "-p", "service_kit_testing.hang_guard", "-o", "phase_timeout=1", "-o", "asyncio_mode=auto"
    )
    result.assert_outcomes(passed=2, failed=1, errors=1)
    out = result.stdout.str()
    assert "call of test_hanging.py::test_hangs still running after 1s (phase_timeout)" in out
    assert "in waits_forever_in_the_call" in out
    assert "teardown of test_hanging.py::test_hangs_at_teardown still running after 1s" in out
    # The fixture's async generator is followed down to where it waits.
    assert "in waits_forever_in_the_teardown" in out


def test_a_run_past_its_budget_stops_and_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_slow="import time\n\n"
        "def test_first():\n    time.sleep(1.2)\n\n"
        "def test_second():\n    pass\n"
    )
    result = pytester.runpytest_subprocess(
        "-p", "service_kit_testing.hang_guard", "-o", "suite_timeout=1"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*the run took longer than suite_timeout (1s)*"])
    result.assert_outcomes(passed=1)  # the second test never started
