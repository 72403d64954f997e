"""The kit's problem handlers: the framework's own refusals get problem types of ours too."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from service_kit.problems import Conflict, answer_domain_errors, install_problem_handlers

NESTED = b"[" * 30_000 + b"]" * 30_000  # past the JSON parser's depth, well under any body cap


class Thing(BaseModel):
    name: str


def app() -> FastAPI:
    application = FastAPI()
    install_problem_handlers(application)

    @application.post("/things")
    async def create(thing: Thing) -> Thing:
        return thing

    return application


async def call(method: str, path: str, body: bytes = b"") -> httpx.Response:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        headers = {"content-type": "application/json"}
        return await client.request(method, path, content=body, headers=headers)


async def test_a_body_nested_past_the_parser_is_a_malformed_body_problem() -> None:
    response = await call("POST", "/things", NESTED)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://controlplane.dev/problems/malformed-body",
        "title": "Bad Request",
        "status": 400,
        "detail": "There was an error parsing the body",
        "instance": "/things",
    }


async def test_unknown_routes_and_methods_have_problem_types() -> None:
    missing = await call("GET", "/nowhere")
    assert missing.status_code == 404
    assert missing.json()["type"] == "https://controlplane.dev/problems/not-found"
    wrong = await call("DELETE", "/things")
    assert wrong.status_code == 405
    assert wrong.json()["type"] == "https://controlplane.dev/problems/method-not-allowed"


class Taken(Exception):
    """A domain error of a service's own, free of HTTP."""


async def test_a_mapped_domain_error_is_answered_as_its_problem_with_its_message() -> None:
    application = app()
    answer_domain_errors(application, {Taken: Conflict})

    @application.post("/claims")
    async def claim() -> None:
        raise Taken("Someone else has it.")

    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.post("/claims")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://controlplane.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "Someone else has it.",
        "instance": "/claims",
    }
