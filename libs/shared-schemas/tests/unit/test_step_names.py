"""Step events carry a known step as `StepName`, and still take a step no contract lists."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from shared_schemas import parse_event
from shared_schemas.events import STEP_ORDER, StepData, StepName, StepStarted


def _started(step: str) -> bytes:
    data = StepData(
        tenant_id=uuid4(), pipeline_id=uuid4(), step=step, attempt=1, at=datetime.now(UTC)
    )
    return (
        StepStarted.build(data, producer="provisioner", correlation_id=uuid4())
        .model_dump_json()
        .encode()
    )


def test_the_plan_order_lists_every_step_once() -> None:
    assert STEP_ORDER == (
        StepName.PREFLIGHT,
        StepName.DATABASE,
        StepName.IDENTITY,
        StepName.CREDENTIALS,
        StepName.INFRASTRUCTURE,
        StepName.BILLING,
    )


def test_a_known_step_parses_to_its_name() -> None:
    event = parse_event(_started("billing"))

    assert isinstance(event, StepStarted)
    assert event.data.step is StepName.BILLING


def test_a_step_no_contract_lists_is_taken_as_text() -> None:
    event = parse_event(_started("warm_caches"))

    assert isinstance(event, StepStarted)
    assert event.data.step == "warm_caches"
    assert not isinstance(event.data.step, StepName)
