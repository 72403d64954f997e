"""A real SMTP server for tests and chaos runs, one that can go away and come back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from service_kit_testing.ports import free_port


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping what it receives.

    `down()` stops it for a while and starts it again on the same port, as a mail server that
    goes away and comes back: senders meanwhile get "connection refused".
    """

    host: str
    port: int
    messages: list[Any]
    _controller: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen on `port` (a free one is chosen the first time)."""
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        if self._controller is not None:
            return
        messages = self.messages

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        if not self.port:
            self.port = free_port(self.host)
        controller = Controller(Handler(), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    @contextmanager
    def down(self) -> Iterator[None]:
        """The server is stopped inside the block and listening again after it, whatever happens."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def to(self, recipient: str) -> list[Any]:
        """Every message received so far for `recipient`."""
        return [m for m in self.messages if recipient.lower() in m["To"].lower()]

    async def wait_for(self, recipient: str, *, timeout: float = 15.0) -> Any:
        """The first message to `recipient` (an `email.message.EmailMessage`)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            received = self.to(recipient)
            if received:
                return received[0]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no e-mail to {recipient} within {timeout}s")
