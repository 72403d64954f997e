"""Stopping background tasks without trusting a single cancellation to land."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import structlog

log = structlog.get_logger(__name__)

_ASK_AGAIN_AFTER = 1.0  # seconds


async def cancel_and_wait(tasks: Iterable[asyncio.Task[None]], *, grace: float = 5.0) -> None:
    """Cancel `tasks` and wait for them, cancelling again whatever is still running.

    One cancellation is not always enough: aiormq can swallow a CancelledError that arrives
    while a channel opens, and the task's loop then simply goes on. Asking again reaches it at
    its next await. A task is asked again only after a second's wait, so that one still
    cleaning up (closing a connection, say) is not interrupted. After `grace` seconds the
    stragglers are logged and left behind, so that a shutdown always finishes.
    """
    pending = {task for task in tasks if not task.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while pending:
        left = deadline - loop.time()
        if left <= 0:
            log.error("tasks did not stop", tasks=sorted(task.get_name() for task in pending))
            return
        for task in pending:
            task.cancel()
        done, pending = await asyncio.wait(pending, timeout=min(_ASK_AGAIN_AFTER, left))
        for task in done:
            if not task.cancelled() and (error := task.exception()) is not None:
                log.warning("task failed while stopping", task=task.get_name(), error=repr(error))
