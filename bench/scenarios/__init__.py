"""The scenarios, in the order a full run takes them."""

from __future__ import annotations

from bench.scenarios.base import Scenario
from bench.scenarios.baseline import Baseline
from bench.scenarios.growth import Growth
from bench.scenarios.reads import ConfigReads, KeyVerifications, TenantReads
from bench.scenarios.saga import SagaSteady, SagaThroughput
from bench.scenarios.signup import SignUp
from bench.scenarios.webhooks import WebhookIngest

SCENARIOS: dict[str, type[Scenario]] = {
    s.name: s
    for s in (
        SagaThroughput,
        SagaSteady,
        WebhookIngest,
        ConfigReads,
        KeyVerifications,
        TenantReads,
        SignUp,
        Baseline,
        Growth,
    )
}
