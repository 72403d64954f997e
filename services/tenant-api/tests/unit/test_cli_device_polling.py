"""How `tenantctl login` paces its questions to the token endpoint (RFC 8628 §3.5)."""

from __future__ import annotations

import pytest

from tenant_api.cli.device_polling import Polling, SignInFailed


def test_without_an_interval_from_the_provider_it_waits_five_seconds() -> None:
    assert Polling.start(None, 600, now=100.0) == Polling(interval=5, deadline=700.0)
    assert Polling.start(2, 600, now=0.0).interval == 2


def test_a_pending_approval_keeps_the_pace() -> None:
    polling = Polling(interval=5, deadline=600)
    assert polling.after("authorization_pending", None, now=10) == polling


def test_slow_down_adds_five_seconds_for_every_later_request() -> None:
    polling = Polling(interval=5, deadline=600).after("slow_down", None, now=10)
    assert polling.interval == 10
    assert polling.after("authorization_pending", None, now=20).interval == 10
    assert polling.after("slow_down", None, now=30).interval == 15


def test_an_unanswered_request_backs_off_exponentially_up_to_a_minute() -> None:
    polling = Polling(interval=5, deadline=6000)
    intervals = []
    for _ in range(6):
        polling = polling.unanswered(now=0)
        intervals.append(polling.interval)
    assert intervals == [10, 20, 40, 60, 60, 60]


@pytest.mark.parametrize(
    ("error", "description", "message"),
    [
        ("access_denied", None, "the sign-in was denied at the provider"),
        ("expired_token", None, "the code expired before it was approved"),
        ("invalid_client", "client is unknown", "refused the sign-in (invalid_client: client is"),
    ],
)
def test_a_final_answer_ends_the_sign_in(error: str, description: str | None, message: str) -> None:
    with pytest.raises(SignInFailed, match=message.replace("(", r"\(")):
        Polling(interval=5, deadline=600).after(error, description, now=10)


def test_it_stops_when_the_next_request_would_come_after_the_code_expired() -> None:
    polling = Polling(interval=5, deadline=600)
    assert polling.after("authorization_pending", None, now=595) == polling
    with pytest.raises(SignInFailed, match="expired"):
        polling.after("authorization_pending", None, now=596)
    with pytest.raises(SignInFailed, match="expired"):
        polling.unanswered(now=591)  # the doubled wait no longer fits
