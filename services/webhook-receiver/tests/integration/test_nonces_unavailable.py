"""Without Redis the replay nonce is "maybe seen", never an error: the receipts decide."""

from __future__ import annotations

import socket
import uuid

from service_kit.redis_client import close_redis, redis_client
from webhook_receiver.adapters import nonces
from webhook_receiver.settings import WebhookReceiverSettings


async def test_an_unreachable_redis_answers_not_claimed() -> None:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
        client = redis_client(WebhookReceiverSettings(redis_url=url, redis_socket_timeout=0.5))
        try:
            claimed = await nonces.claim(client, "cp-test:nonce", uuid.uuid4(), 60)
        finally:
            await close_redis(client)
    assert claimed is False
