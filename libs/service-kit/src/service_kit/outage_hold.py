"""Deliveries held in place while an engine is away: their waits, warnings, gauge and release.

A delivery whose handling fails because the consumer's database or Redis is away is not sent
to a retry tier, whose few short delays an outage of a minute would spend: it stays unacked
and is handled again with the backoff of `service_kit.outage_rules`, up to
CONSUMER_OUTAGE_TOLERANCE seconds from its first such failure. Past that its failures take the
retry tiers as any other. A service that stops returns its held deliveries to the queue at
once. However many deliveries wait, a consumer logs one warning per round of waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import structlog

from service_kit import metrics
from service_kit.outage_rules import next_wait

log = structlog.get_logger(__name__)


class Hold(enum.Enum):
    AGAIN = "again"  # waited: handle the delivery again
    SPENT = "spent"  # the budget is gone: a failed delivery, to the retry tiers
    STOPPING = "stopping"  # the service stops: return the delivery to its queue


@dataclass
class HeldDelivery:
    """One delivery: counted among the held from its first wait until its handling ends."""

    held: bool = False


class OutageHold:
    """One consumer's held deliveries."""

    def __init__(self, consumer: str, tolerance: float) -> None:
        self.consumer = consumer
        self.tolerance = tolerance
        self._stopping = asyncio.Event()
        self._held = 0
        self._none_held = asyncio.Event()
        self._none_held.set()
        self._warned_at: float | None = None  # monotonic: when this outage was last logged

    @property
    def held(self) -> int:
        return self._held

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @contextmanager
    def delivery(self) -> Iterator[HeldDelivery]:
        """One delivery's handling: counted as held from its first wait until it leaves."""
        delivery = HeldDelivery()
        try:
            yield delivery
        finally:
            if delivery.held:
                self._leave()

    async def release(self, timeout: float) -> None:
        """Wake every held delivery to be returned to its queue; wait (a while) until they are."""
        self._stopping.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._none_held.wait()

    async def wait(self, delivery: HeldDelivery, error: BaseException, since: float) -> Hold:
        """`delivery` met `error` (an engine away), the first time at `since` (epoch seconds):
        wait, and say what next."""
        if self.stopping:
            return Hold.STOPPING
        waited = time.time() - since
        delay = next_wait(waited, self.tolerance)
        if delay is None:
            return Hold.SPENT
        if not delivery.held:
            delivery.held = True
            self._enter()
        metrics.OUTAGE_WAITS.labels(self.consumer).inc()
        self._warn(error, waited, delay)
        return Hold.AGAIN if await self._sleep(delay) else Hold.STOPPING

    def _enter(self) -> None:
        self._held += 1
        self._none_held.clear()
        metrics.HELD_DELIVERIES.labels(self.consumer).inc()

    def _leave(self) -> None:
        self._held -= 1
        metrics.HELD_DELIVERIES.labels(self.consumer).dec()
        if self._held == 0:
            self._none_held.set()
            if self._warned_at is not None:
                self._warned_at = None
                log.info("no delivery waits for an engine any more", consumer=self.consumer)

    def _warn(self, error: BaseException, waited: float, delay: float) -> None:
        now = time.monotonic()
        if self._warned_at is not None and now - self._warned_at < delay:
            return  # another delivery said it this round
        self._warned_at = now
        log.warning(
            "an engine is away; deliveries are held and tried again",
            consumer=self.consumer,
            held=self._held,
            error=f"{type(error).__name__}: {error}"[:500],
            waited=round(waited, 1),
            retry_in=round(delay, 1),
            tolerance=self.tolerance,
        )

    async def _sleep(self, delay: float) -> bool:
        """False if the service began stopping instead."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._stopping.wait()
        return not self._stopping.is_set()
