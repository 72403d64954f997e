"""Any service's app behind a real uvicorn server, served as `service_kit.serve` serves it: the
client's address and scheme are the socket's, whatever forwarding headers a caller invents."""

from __future__ import annotations

from fastapi import Request

from service_kit.app import build_app
from service_kit.runtime import kit_runtime
from service_kit.settings import ServiceSettings
from service_kit_testing import served_client

INVENTED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Real-IP": "203.0.113.10",
    "Forwarded": "for=203.0.113.11;proto=https;host=evil.example",
}


async def test_forwarding_headers_change_neither_the_client_nor_the_scheme(
    kit_settings: ServiceSettings,
) -> None:
    app = build_app(kit_runtime(kit_settings, run_relay=False), title="kit")

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str]:
        assert request.client is not None
        return {"client": request.client.host, "scheme": request.url.scheme}

    async with served_client(app) as client:
        plain = await client.get("/whoami")
        invented = await client.get("/whoami", headers=INVENTED)
    assert plain.json() == {"client": "127.0.0.1", "scheme": "http"}
    assert invented.json() == plain.json()
