"""tenant-api's runtime as routes receive it: typed, so `runtime.uow()` is tenant-api's unit of
work and `uow.tenants` and friends are checked.

The kit's own dependency underneath, so a route asking for both gets it resolved once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service_kit.app import get_runtime
from tenant_api.runtime import Runtime

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
