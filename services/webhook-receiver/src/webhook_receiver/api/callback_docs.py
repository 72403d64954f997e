"""OpenAPI text for the webhook routes, which read their body raw and so declare it by hand."""

from __future__ import annotations

from typing import Any

from shared_schemas.api.webhooks import ProvisioningCallback

_HEADERS = {
    "x-signature": "ARC: hex(HMAC-SHA256(secret, body + context + x-timestamp)).",
    "x-timestamp": "ARC: when it was signed, in milliseconds since the epoch.",
    "webhook-id": "Standard Webhooks: the message id (a redelivery keeps it).",
    "webhook-timestamp": "Standard Webhooks: when it was signed, in seconds since the epoch.",
    "webhook-signature": "Standard Webhooks: `v1,<base64>`, several space-separated in rotation.",
}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema with its local `$defs` references resolved in place."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


CALLBACK_OPENAPI: dict[str, Any] = {
    "parameters": [
        {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        | {"description": text}
        for name, text in _HEADERS.items()
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": _inline(ProvisioningCallback.model_json_schema(by_alias=True))
            }
        },
    },
}
