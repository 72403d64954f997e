"""A robust broker connection over the nodes of a cluster, moving on from a node that failed.

aio-pika's `RobustConnection` reconnects to the one URL it was given, so a node stopped for an
hour is retried for an hour while its peers are healthy. Every failed attempt and every lost
connection reaches `_on_connection_close` (aio-pika calls it for both), which is where this
class points `url` at the next node; the robust machinery does the rest (channels reopened,
exchanges and queues declared again, consumers subscribed again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from aio_pika import RobustConnection
from aio_pika.connection import make_url

from service_kit.broker_nodes import node_label

log = structlog.get_logger(__name__)

# Between two failed attempts (each one to the next node); a lost connection is followed by an
# attempt on the next node at once.
RECONNECT_INTERVAL = 1.0

Listener = Callable[[], None]


class NodeRotatingConnection(RobustConnection):
    """Tries `nodes` in turn, starting at `first`; each attempt after a failure goes to the node
    after the one that failed."""

    def __init__(self, nodes: Sequence[str], *, first: int = 0, **kwargs: Any) -> None:
        if not nodes:
            raise ValueError("no broker node to connect to")
        self._nodes = [make_url(node) for node in nodes]
        self._at = first % len(self._nodes)
        self._ready = False
        self._listeners: list[Listener] = []
        kwargs.setdefault("reconnect_interval", RECONNECT_INTERVAL)
        super().__init__(self._nodes[self._at], **kwargs)

    @property
    def node(self) -> str:
        """host:port of the node in use (or about to be tried)."""
        return node_label(str(self.url))

    @property
    def is_ready(self) -> bool:
        """Connected, with every robust channel restored (not merely "not closed")."""
        transport = self.transport
        return (
            self._ready
            and not self.is_closed
            and transport is not None
            and not transport.connection.is_closed
        )

    def add_ready_listener(self, listener: Listener) -> None:
        """Call `listener` each time the connection is back and its channels restored."""
        self._listeners.append(listener)

    def remove_ready_listener(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def _on_connected(self) -> None:
        await super()._on_connected()  # raises if a channel could not be restored
        self._ready = True
        log.info("broker connected", node=self.node)
        for listener in list(self._listeners):
            listener()

    async def _on_connection_close(self, closing: asyncio.Future[Any]) -> None:
        was_ready, self._ready = self._ready, False
        if not (self._close_called or self.is_closed):
            failed = self.node
            self._at = (self._at + 1) % len(self._nodes)
            self.url = self._nodes[self._at]
            log.warning(
                "broker connection lost" if was_ready else "broker connection attempt failed",
                node=failed,
                next_node=self.node,
                error=_error_name(closing),
            )
        await super()._on_connection_close(closing)


def _error_name(closing: asyncio.Future[Any]) -> str:
    # The name only: some broker errors quote what the client sent.
    if not closing.done():
        return "closed"
    if closing.cancelled():
        return "CancelledError"
    exc = closing.exception()
    return type(exc).__name__ if exc is not None else "closed"
