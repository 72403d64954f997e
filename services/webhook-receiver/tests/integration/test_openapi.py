"""The webhook routes read their body raw; their OpenAPI still describes body and headers."""

from __future__ import annotations

import httpx


async def test_openapi_documents_both_paths_with_body_and_signature_headers(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in ("/webhooks/provisioning", "/webhook"):
        operation = spec["paths"][path]["post"]
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        assert set(schema["required"]) == {"initiatorId", "data"}
        assert schema["properties"]["data"]["properties"]["status"]["enum"] == [0, 1]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"x-signature", "x-timestamp", "webhook-id", "webhook-signature"} <= headers
        assert {"200", "202", "401", "413", "422"} <= set(operation["responses"])
    assert "/webhooks/deliveries" in spec["paths"]
