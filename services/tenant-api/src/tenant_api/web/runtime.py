"""The runtime as routes reach it, typed: `runtime.uow()` is tenant-api's unit of work."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service_kit.app import RuntimeDep as AnyRuntimeDep
from tenant_api.runtime import Runtime


async def get_runtime(runtime: AnyRuntimeDep) -> Runtime:
    typed: Runtime = runtime
    return typed


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
