"""Queue names follow from the prefix, the service and the consumer."""

from __future__ import annotations

from service_kit.settings import ServiceSettings
from service_kit.topology import QueueNames, dlq_name, queue_names


def test_queue_names_derive_from_prefix_service_and_consumer() -> None:
    settings = ServiceSettings(
        service_name="notifier", queue_prefix="cp-test-1.", retry_delays=[1, 5, 30]
    )
    assert queue_names(settings, "mailer") == QueueNames(
        main="cp-test-1.notifier.mailer",
        retries=(
            "cp-test-1.notifier.mailer.retry.1000ms",
            "cp-test-1.notifier.mailer.retry.5000ms",
            "cp-test-1.notifier.mailer.retry.30000ms",
        ),
        dlq="cp-test-1.notifier.dlq",
    )
    assert dlq_name(settings) == "cp-test-1.notifier.dlq"


def test_one_retry_tier_per_delay_named_by_it_and_one_dlq_per_service() -> None:
    settings = ServiceSettings(service_name="provisioner", queue_prefix="", retry_delays=[0.2, 0.5])
    steps, timeline = queue_names(settings, "steps"), queue_names(settings, "timeline")
    assert steps.main == "provisioner.steps"
    # Named by delay, so changing RETRY_DELAYS never redeclares a tier with another TTL.
    assert steps.retries == ("provisioner.steps.retry.200ms", "provisioner.steps.retry.500ms")
    assert steps.dlq == timeline.dlq == "provisioner.dlq"
    assert steps.main != timeline.main
