"""tenant-api's unit of work: one transaction, and the repositories that work inside it.

Each feature's repository is an attribute (`uow.tenants`, `uow.pipelines`, …) built on the
transaction's session when the unit of work opens; use cases and consumers' handlers reach the
database only through them, and get frozen domain objects back, never rows.
"""

from __future__ import annotations

from typing import Self

from service_kit.db import UnitOfWork
from tenant_api.api_keys.handover_repository import KeyHandoverRepository
from tenant_api.api_keys.key_repository import ApiKeyRepository
from tenant_api.config.repository import TenantConfigRepository
from tenant_api.contacts.repository import ContactRepository
from tenant_api.dead_letters.repository import DeadLetterRepository
from tenant_api.exports.repository import ExportRepository
from tenant_api.identity.client_repository import IdentityClientRepository
from tenant_api.invoices.repository import InvoiceRepository
from tenant_api.leads.repository import LeadFactsRepository
from tenant_api.pipeline.repository import PipelineRepository
from tenant_api.pipeline.step_repository import StepRepository
from tenant_api.plans.repository import PlanRepository
from tenant_api.tenants.repository import TenantRepository
from tenant_api.timeline.repository import TimelineRepository
from tenant_api.vault.repository import VaultRepository


class TenantApiUnitOfWork(UnitOfWork):
    # Tenants, leads, plans, contacts, pipelines, invoices and the timeline.
    tenants: TenantRepository
    lead_facts: LeadFactsRepository
    plans: PlanRepository
    contacts: ContactRepository
    pipelines: PipelineRepository
    steps: StepRepository
    invoices: InvoiceRepository
    timeline: TimelineRepository
    # Config, the vault, API keys, their handovers, dead letters and offboarding exports.
    configs: TenantConfigRepository
    vault: VaultRepository
    api_keys: ApiKeyRepository
    key_handovers: KeyHandoverRepository
    dead_letters: DeadLetterRepository
    exports: ExportRepository
    # Tenants' own OpenID clients (the identity step's).
    identity_clients: IdentityClientRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        # Tenants, leads, plans, contacts, pipelines, invoices and the timeline.
        self.tenants = TenantRepository(self.session)
        self.lead_facts = LeadFactsRepository(self.session)
        self.plans = PlanRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.pipelines = PipelineRepository(self.session)
        self.steps = StepRepository(self.session)
        self.invoices = InvoiceRepository(self.session)
        self.timeline = TimelineRepository(self.session)
        # Config, the vault, API keys, their handovers, dead letters and offboarding exports.
        self.configs = TenantConfigRepository(self.session)
        self.vault = VaultRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.key_handovers = KeyHandoverRepository(self.session)
        self.dead_letters = DeadLetterRepository(self.session)
        self.exports = ExportRepository(self.session)
        self.identity_clients = IdentityClientRepository(self.session)
        return self
