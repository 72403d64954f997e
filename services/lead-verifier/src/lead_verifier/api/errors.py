"""lead-verifier's domain errors as problem answers, in one place."""

from __future__ import annotations

from fastapi import FastAPI

from lead_verifier.domain.errors import EmailAlreadyVerified, LeadNotFound
from service_kit.problems import Conflict, NotFound, answer_domain_errors


def install_domain_errors(app: FastAPI) -> None:
    answer_domain_errors(app, {EmailAlreadyVerified: Conflict, LeadNotFound: NotFound})
