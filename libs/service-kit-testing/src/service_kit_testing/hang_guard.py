"""A pytest plugin that turns a hung test into a failure showing where everything waits.

Without it a test that waits forever (on a socket, a lock, a task) holds the whole run until
CI kills it, and the log shows only dots. With it, a test phase (setup, call or teardown) that
runs past `phase_timeout` seconds fails with the stack of every thread and every asyncio task,
and the run goes on; a run past `suite_timeout` seconds stops and fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
import time
import traceback
from collections.abc import Generator, Iterator
from types import FrameType
from typing import Any

import pytest

_started = time.monotonic()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "phase_timeout",
        "seconds one test's setup, call or teardown may run before it fails with stacks",
        default="180",
    )
    parser.addini(
        "suite_timeout", "seconds the whole run may take before it stops and fails", default="1800"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    with _deadline(item, "setup"):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _deadline(item, "call"):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    with _deadline(item, "teardown"):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, Any, Any]:
    del nextitem
    result = yield
    budget = float(item.config.getini("suite_timeout"))
    if budget > 0 and time.monotonic() - _started > budget:
        # pytest checks this after each test: the rest of the run is not started.
        item.session.shouldfail = f"the run took longer than suite_timeout ({budget:g}s)"
    return result


@contextlib.contextmanager
def _deadline(item: pytest.Item, phase: str) -> Iterator[None]:
    seconds = float(item.config.getini("phase_timeout"))
    usable = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if seconds <= 0 or not usable:
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        pytest.fail(
            f"{phase} of {item.nodeid} still running after {seconds:g}s (phase_timeout)\n"
            + stacks(),
            pytrace=False,
        )

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def stacks() -> str:
    """Every thread's stack, then every pending task of the running event loop, await by await."""
    names = {t.ident: t.name for t in threading.enumerate()}
    parts = []
    for ident, frame in sys._current_frames().items():
        parts.append(
            f"--- thread {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
        )
    try:
        tasks = asyncio.all_tasks(asyncio.get_running_loop())
    except RuntimeError:
        tasks = set()
    for task in sorted(tasks, key=lambda t: t.get_name()):
        frames = list(_awaiting(task.get_coro()))
        parts.append(
            f"--- task {task.get_name()}\n"
            + "".join(
                traceback.format_list(
                    traceback.StackSummary.extract((f, f.f_lineno) for f in frames)
                )
            )
        )
    return "\n".join(parts)


def _awaiting(awaitable: Any) -> Iterator[FrameType]:
    """A suspended coroutine's frames down the chain of what each one awaits."""
    while awaitable is not None:
        frame = next(
            (
                getattr(awaitable, a)
                for a in ("cr_frame", "gi_frame", "ag_frame")
                if hasattr(awaitable, a)
            ),
            None,
        )
        if frame is None:
            return
        yield frame
        nxt = next(
            (
                getattr(awaitable, a)
                for a in ("cr_await", "gi_yieldfrom", "ag_await")
                if hasattr(awaitable, a)
            ),
            None,
        )
        if (
            nxt is not None
            and not hasattr(nxt, "ag_frame")
            and type(nxt).__name__ == "async_generator_asend"
        ):
            # `await agen.__anext__()` hides the generator; the awaiting frame holds it.
            nxt = next(
                (v for v in frame.f_locals.values() if getattr(v, "ag_running", False)), None
            )
        awaitable = nxt
