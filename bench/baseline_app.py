"""The `baseline` scenario's app: one FastAPI route and nothing else, served as the services are.

No middleware, no token, no database: what a route of ours costs beyond this is our own code.
`python -m bench.baseline_app PORT`.
"""

from __future__ import annotations

import sys
from uuid import UUID

import uvicorn
from fastapi import FastAPI, Response

from service_kit.serve import UVICORN_OPTIONS

# About the size of a tenant's config answer.
BODY = b'{"tenantId":"%s","generation":1,"featureFlags":{},"padding":"' + b"x" * 300 + b'"}'


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/tenants/{tenant_id}/config")
    async def config(tenant_id: UUID) -> Response:
        return Response(BODY % str(tenant_id).encode(), media_type="application/json")

    return app


if __name__ == "__main__":
    uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), **UVICORN_OPTIONS)
