"""RFC 9457 problem details: the one error shape of every HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    loc: list[str | int] = Field(description="Where the problem is, e.g. ['body', 'key'].")
    msg: str
    type: str


class Problem(BaseModel):
    """An `application/problem+json` body."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None
