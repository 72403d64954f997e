"""lead-verifier's runtime as its routes reach it: typed settings, dependencies, unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from lead_verifier.adapters.unit_of_work import LeadsUnitOfWork
from lead_verifier.settings import LeadVerifierSettings
from service_kit.app import get_runtime
from service_kit.runtime import ServiceRuntime
from service_kit.sealing import Keyring


@dataclass(frozen=True)
class LeadVerifierDeps:
    """The settings the use cases follow, and the keys that seal each e-mailed link."""

    settings: LeadVerifierSettings
    links: Keyring


Runtime = ServiceRuntime[LeadVerifierSettings, LeadVerifierDeps, LeadsUnitOfWork]


# The kit's runtime of the app, as this service built it.
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
