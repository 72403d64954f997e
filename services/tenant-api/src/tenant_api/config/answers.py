"""Rendered `GET /tenants/{id}/config` answers kept in the process, newest generation per tenant.

An answer is the JSON of one config at one generation, so it is exactly as fresh as that
generation: served only when it is at least the tenant's committed generation (step 2 in
tenant_configs.py, which says why). Least recently used tenants are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID


class ConfigAnswers:
    def __init__(self, max_tenants: int = 10_000) -> None:
        self._max = max_tenants
        self._answers: OrderedDict[UUID, tuple[int, bytes]] = OrderedDict()

    def get(self, tenant_id: UUID, at_least: int) -> bytes | None:
        found = self._answers.get(tenant_id)
        if found is None or found[0] < at_least:
            return None
        self._answers.move_to_end(tenant_id)
        return found[1]

    def put(self, tenant_id: UUID, generation: int, body: bytes) -> None:
        """Keep `body` unless a later generation of this tenant is already kept."""
        found = self._answers.get(tenant_id)
        if found is not None and found[0] > generation:
            return
        self._answers[tenant_id] = (generation, body)
        self._answers.move_to_end(tenant_id)
        while len(self._answers) > self._max:
            self._answers.popitem(last=False)
