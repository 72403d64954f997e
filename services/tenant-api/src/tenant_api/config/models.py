"""The tenant config's API schemas, and how a stored config becomes the answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, Field, RootModel, StringConstraints

from shared_schemas.api.base import ApiModel
from shared_schemas.events import Tier
from tenant_api.config.repository import ConfigDocument
from tenant_api.domain.status import TenantStatus
from tenant_api.plans.models import PlanOut


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    value.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError, a ValueError
    return value


FlagName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
FlagValue = (
    bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | Annotated[str, StringConstraints(max_length=500), AfterValidator(_storable)]
)


class FeatureFlagsIn(RootModel[dict[FlagName, FlagValue]]):
    """The tenant's whole set of feature flags: name → true/false, a number or a short text."""

    root: dict[FlagName, FlagValue] = Field(max_length=100)


class EndpointsOut(ApiModel):
    app_url: str | None = Field(
        description="The app URL from the provisioning that activated the tenant; null before."
    )
    api_base_url: str = Field(description="The gateway's public base URL (`PUBLIC_API_URL`).")


class TenantConfigOut(ApiModel):
    """What a tenant's apps need to know about it; `generation` grows with every change."""

    tenant_id: UUID
    key: str
    tier: Tier
    plan_id: str
    plan: PlanOut
    status: TenantStatus
    domains: list[str]
    endpoints: EndpointsOut
    feature_flags: dict[str, Any]
    generation: int


def config_out(config: ConfigDocument, api_base_url: str) -> TenantConfigOut:
    # The API base comes from settings at answer time: never cached, so never stale either.
    endpoints = {"app_url": config["app_url"], "api_base_url": api_base_url}
    fields = {k: v for k, v in config.items() if k != "app_url"}
    return TenantConfigOut.model_validate({**fields, "endpoints": endpoints})
