"""What the provisioner consumes: the saga's requests, verified callbacks, requests to re-issue
a tenant's initial API key, webhook-receiver's word that it knows a run, and tenants'
suspensions, reactivations and database password rotations."""

from __future__ import annotations

from functools import partial

from provisioner import access, database_logins, handlers
from provisioner.adapters.unit_of_work import ProvisionerUnitOfWork
from provisioner.deps import ProvisionerDeps
from service_kit.consumer import Consumer


def build_consumers(deps: ProvisionerDeps) -> list[Consumer[ProvisionerUnitOfWork]]:
    return [
        Consumer(
            name="saga",
            handlers={
                "tenant.provisioning_requested": partial(handlers.start_pipeline, deps=deps),
                "webhook.received": partial(handlers.finish_external_step, deps=deps),
                "tenant.cancel_requested": partial(handlers.cancel, deps=deps),
                "tenant.provisioning_timed_out": partial(handlers.time_out, deps=deps),
                "tenant.offboarding_requested": partial(handlers.deprovision, deps=deps),
                "tenant.api_key_reissue_requested": partial(handlers.reissue_api_key, deps=deps),
            },
        ),
        # Its own queue: a callback waiting for its run's registration never queues behind
        # the saga's work. The handler only writes through its unit of work.
        Consumer(
            name="runs",
            handlers={"webhook.run_registered": partial(handlers.callback_due, deps=deps)},
            shares_transactions=True,
        ),
        # Its own queue too: a suspension takes effect without waiting behind pipelines' work.
        Consumer(
            name="access",
            handlers={
                "tenant.suspended": partial(access.suspend, deps=deps),
                "tenant.reactivated": partial(access.restore, deps=deps),
                "tenant.database_password_rotation_requested": partial(
                    database_logins.rotate_password, deps=deps
                ),
            },
        ),
    ]
