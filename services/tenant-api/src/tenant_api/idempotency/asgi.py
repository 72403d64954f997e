"""ASGI plumbing: the answer held back, replies sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.types import Message, Receive, Scope, Send

from service_kit.problems import problem_response
from tenant_api.idempotency.rules import Completed, replay_headers

TITLES = {
    400: "Bad Request",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    503: "Service Unavailable",
}


@dataclass
class Answer:
    """The whole response, held back until it is kept, so a retry never misses it."""

    start: Message | None = None
    chunks: list[bytes] = field(default_factory=list)
    others: list[Message] = field(default_factory=list)

    async def capture(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
        else:
            self.others.append(message)

    @property
    def status(self) -> int:
        return int(self.start["status"]) if self.start else 500

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.start.get("headers", [])) if self.start else []

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    async def flush(self, send: Send) -> None:
        assert self.start is not None
        await send(self.start)
        await send({"type": "http.response.body", "body": self.body, "more_body": False})
        for message in self.others:
            await send(message)


async def send_replay(record: Completed, send: Send) -> None:
    await send(
        {"type": "http.response.start", "status": record.status, "headers": replay_headers(record)}
    )
    await send({"type": "http.response.body", "body": record.body, "more_body": False})


async def send_problem(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    slug: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> None:
    response = problem_response(
        status,
        TITLES[status],
        slug=slug,
        detail=detail,
        instance=scope["path"],
        headers=headers,
    )
    await response(scope, receive, send)
