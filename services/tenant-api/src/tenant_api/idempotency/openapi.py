"""The Idempotency-Key contract in the gateway's OpenAPI: the header and the answers it adds."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from service_kit.problems import PROBLEM_JSON
from shared_schemas import Problem
from tenant_api.idempotency.rules import HEADER, MAX_KEY_LENGTH, METHODS, REPLAYED_HEADER

PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the same key with the same request answers the first result "
        f"(with `{REPLAYED_HEADER}: true`) instead of running again; with another body, 422. "
        "Keys are kept per caller for IDEMPOTENCY_TTL_SECONDS."
    ),
    # Printable ASCII; no outer spaces, which HTTP would strip anyway.
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
}
ANSWERS = {
    "400": f"Invalid {HEADER} header",
    "409": f"A request with this {HEADER} is still in progress",
    "422": f"This {HEADER} was used with a different request",
    "503": f"{HEADER} cannot be honoured right now (nothing was done)",
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with this key.",
    "schema": {"type": "string", "enum": ["true"]},
}


def document_idempotency(app: FastAPI) -> None:
    """Every later `app.openapi()` carries the header on each write operation."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        spec = build()
        add_idempotency_key(spec)
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def add_idempotency_key(spec: dict[str, Any]) -> None:
    """Add the header and its answers to each write operation; idempotent itself."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            if method.upper() not in METHODS:
                continue
            parameters = operation.setdefault("parameters", [])
            if any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
                continue
            parameters.append(copy.deepcopy(PARAMETER))
            _add_answers(operation.setdefault("responses", {}))


def _add_answers(responses: dict[str, Any]) -> None:
    for code, description in ANSWERS.items():
        if code in responses:
            responses[code]["description"] += f"; or: {description}"
        else:
            problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
            responses[code] = {"description": description, "content": {PROBLEM_JSON: problem}}
    for code, response in responses.items():
        if not code.startswith("5"):
            response.setdefault("headers", {})[REPLAYED_HEADER] = copy.deepcopy(REPLAYED)
