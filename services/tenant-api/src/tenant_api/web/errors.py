"""Problem answers the routes share, and domain errors mapped to HTTP in one place.

Only here do the domain's refusals meet request locations (`loc: ["body", "planId"]`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service_kit.exports import ExportFailed
from service_kit.problems import (
    Conflict,
    NotFound,
    ProblemError,
    ServiceUnavailable,
    Unprocessable,
    answer_problem,
    problem_response,
    problem_responses,
)
from tenant_api.domain.api_keys import (
    ApiKeyNotFound,
    InvalidScopes,
    KeyNotIssuable,
    KeyNotRotatable,
)
from tenant_api.domain.database_login import PasswordNotRotatable
from tenant_api.domain.dead_letters import DeadLetterRefused
from tenant_api.domain.errors import (
    ContactNotFound,
    DomainError,
    InvoiceNotFound,
    InvoiceNotPayable,
    KeyTaken,
    LeadAlreadyOnboarded,
    OffboardingScheduled,
    OnboardingRaced,
    PrimaryContactRequired,
    TenantNotFound,
    UnknownPlan,
)
from tenant_api.domain.onboarding import DomainMismatch
from tenant_api.domain.status import InvalidTransition

AUTH = {"r401": "Missing or invalid token", "r403": "The role may not do this"}
NOT_FOUND = "No such tenant (or not yours)"
NOT_ACTIVE = "The tenant is not ACTIVE"


def tenant_problems(
    *, r404: str = NOT_FOUND, r422: str = "Invalid id", **more: str
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` of a `/tenants/{id}/...` route: every one answers a token or role
    refused, a tenant the caller may not see and a malformed id alike; `more` adds its own."""
    described = {**AUTH, "r404": r404, "r422": r422, **more}
    # By code, as every route lists them (`r4xx` sort as their numbers do).
    return problem_responses(**dict(sorted(described.items())))


_PRIMARY_CONTACT = {
    "demote": "A tenant always has one primary contact: make another contact primary instead.",
    "delete": "The primary contact cannot be deleted: make another contact primary first.",
}


def problem_of(exc: DomainError) -> ProblemError:
    """The problem a domain error answers with (the body field it blames, where it is one)."""
    match exc:
        case TenantNotFound():
            return NotFound("No such tenant.")
        case ContactNotFound():
            return NotFound("No such contact.")
        case InvoiceNotFound():
            return NotFound("No such invoice.")
        case ApiKeyNotFound():
            return NotFound("No such API key.")
        case InvalidScopes():
            return _invalid(str(exc), field="scopes", kind="invalid_scope")
        case UnknownPlan(plan_id=plan_id):
            detail = f"There is no plan {plan_id!r}; GET /plans lists them."
            return _invalid(detail, field="planId", kind="unknown_plan")
        case DomainMismatch(field=field):
            return _invalid(str(exc), field=field, kind="domain_mismatch")
        case KeyTaken(key=key):
            return Conflict(f"The tenant key {key!r} is taken.")
        case LeadAlreadyOnboarded():
            return Conflict("This lead has already onboarded a tenant.")
        case OnboardingRaced():
            return Conflict("The tenant key is taken, or this lead already has a tenant.")
        case PrimaryContactRequired(action=action):
            return Conflict(_PRIMARY_CONTACT[action])
        case InvoiceNotPayable(status=status):
            detail = f"The invoice is {status}; only a PENDING invoice can be paid."
            return Conflict(detail, invoiceStatus=status)
        case OffboardingScheduled():
            return Conflict(str(exc), tenantStatus="OFFBOARDING_SCHEDULED")
        case KeyNotIssuable(status=status) | PasswordNotRotatable(status=status):
            return Conflict(str(exc), tenantStatus=status.value)
        case KeyNotRotatable() | DeadLetterRefused():
            return Conflict(str(exc))
    raise TypeError(f"no problem for {type(exc).__name__}")


def _invalid(detail: str, *, field: str, kind: str) -> Unprocessable:
    return Unprocessable(detail, errors=[{"loc": ["body", field], "msg": detail, "type": kind}])


def install_domain_errors(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return answer_problem(request, problem_of(exc))

    @app.exception_handler(ExportFailed)
    async def _export_failed(request: Request, exc: ExportFailed) -> JSONResponse:
        # Nothing was changed: the export comes before the tenant moves on.
        detail = "The export store refused the tenant's export; nothing was changed."
        return answer_problem(request, ServiceUnavailable(detail, headers={"Retry-After": "30"}))

    @app.exception_handler(InvalidTransition)
    async def _refused(request: Request, exc: InvalidTransition) -> JSONResponse:
        return problem_response(
            409,
            "Conflict",
            slug="invalid-transition",
            detail=f"A tenant in {exc.current} cannot become {exc.target}; nothing was changed.",
            instance=request.url.path,
            tenantStatus=exc.current.value,
        )
