"""The kit's problem handlers: the framework's own refusals get problem types of ours too."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from service_kit.problems import Conflict, answer_domain_errors, install_problem_handlers
from service_kit_testing import asgi_client, assert_problem

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
    async with asgi_client(app(), "kit") as client:
        headers = {"content-type": "application/json"}
        return await client.request(method, path, content=body, headers=headers)


async def test_a_body_nested_past_the_parser_is_a_malformed_body_problem() -> None:
    response = await call("POST", "/things", NESTED)
    assert_problem(
        response,
        400,
        "malformed-body",
        title="Bad Request",
        detail="There was an error parsing the body",
        instance="/things",
    )


async def test_unknown_routes_and_methods_have_problem_types() -> None:
    assert_problem(await call("GET", "/nowhere"), 404, "not-found")
    assert_problem(await call("DELETE", "/things"), 405, "method-not-allowed")


class Taken(Exception):
    """A domain error of a service's own, free of HTTP."""


async def test_a_mapped_domain_error_is_answered_as_its_problem_with_its_message() -> None:
    application = app()
    answer_domain_errors(application, {Taken: Conflict})

    @application.post("/claims")
    async def claim() -> None:
        raise Taken("Someone else has it.")

    async with asgi_client(application, "kit") as client:
        response = await client.post("/claims")
    assert_problem(
        response,
        409,
        "conflict",
        title="Conflict",
        detail="Someone else has it.",
        instance="/claims",
    )
