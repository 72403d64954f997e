"""`/tenants/{id}/config`: the tenant's config for its apps (context provider), cached in Redis.

handlers/tenant_config.py explains why a cached answer is never older than a committed change.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from pydantic import AfterValidator, Field, RootModel, StringConstraints

from service_kit.app import RuntimeDep
from service_kit.problems import NotFound, problem_responses
from shared_schemas.api.base import ApiModel
from shared_schemas.events import Tier
from tenant_api.auth import AdminCaller, TenantReader
from tenant_api.config import reads as tenant_config
from tenant_api.config.cache import CONFIG_READS, ConfigCache
from tenant_api.deps import DepsDep
from tenant_api.domain.status import TenantStatus
from tenant_api.plans.routes import PlanOut
from tenant_api.settings import TenantApiSettings
from tenant_api.web.errors import AUTH, NOT_FOUND

router = APIRouter(prefix="/tenants", tags=["tenant config"])


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


async def _cache(runtime: RuntimeDep) -> ConfigCache:
    settings: TenantApiSettings = runtime.settings
    assert runtime.redis is not None, "tenant-api runs with Redis"
    return ConfigCache(runtime.redis, settings.redis_key_prefix, settings.tenant_config_cache_ttl)


CacheDep = Annotated[ConfigCache, Depends(_cache)]


@router.get(
    "/{tenant_id}/config",
    response_model=TenantConfigOut,
    responses=problem_responses(**AUTH, r404=NOT_FOUND, r422="Invalid id"),
)
async def get_config(
    tenant_id: UUID,
    principal: TenantReader,
    runtime: RuntimeDep,
    cache: CacheDep,
    deps: DepsDep,
    request: Request,
) -> Response:
    """The tenant's config (admin, operator, that tenant); never older than a committed change."""
    principal.ensure_tenant(tenant_id)
    generations = deps.config_generations
    answers = deps.config_answers
    # The hot path: the committed generation, then this process's answer at that generation.
    generation = await generations.get(tenant_id)
    if generation is None:
        raise NotFound("No such tenant.")
    body = answers.get(tenant_id, at_least=generation)
    if body is not None:
        CONFIG_READS.labels("process").inc()
    else:
        async with runtime.uow() as uow:
            config = await tenant_config.read_config(tenant_id, uow, cache)
        body = _out(config, runtime).model_dump_json(by_alias=True).encode()
        answers.put(tenant_id, config["generation"], body)
    return Response(body, media_type="application/json")


@router.put(
    "/{tenant_id}/config/feature-flags",
    response_model=TenantConfigOut,
    responses=problem_responses(
        **AUTH, r404=NOT_FOUND, r422="Invalid id, flag name or value, or more than 100 flags"
    ),
)
async def put_feature_flags(
    tenant_id: UUID,
    body: FeatureFlagsIn,
    principal: AdminCaller,
    runtime: RuntimeDep,
    cache: CacheDep,
) -> TenantConfigOut:
    """Replace the tenant's feature flags (admin); answers the config that now holds."""
    async with runtime.uow() as uow:
        await tenant_config.set_feature_flags(tenant_id, body.root, uow)
        await uow.commit()
        config = await tenant_config.read_config(tenant_id, uow, cache)
    return _out(config, runtime)


def _out(config: dict[str, Any], runtime: Any) -> TenantConfigOut:
    # The API base comes from settings at answer time: never cached, so never stale either.
    settings: TenantApiSettings = runtime.settings
    endpoints = {"app_url": config["app_url"], "api_base_url": settings.public_api_url}
    fields = {k: v for k, v in config.items() if k != "app_url"}
    return TenantConfigOut.model_validate({**fields, "endpoints": endpoints})
