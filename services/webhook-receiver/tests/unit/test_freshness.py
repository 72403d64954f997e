from __future__ import annotations

from datetime import UTC, datetime

import pytest

from webhook_receiver.domain.freshness import check_freshness
from webhook_receiver.domain.receipts import Reason

NOW = datetime(2030, 1, 1, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


@pytest.mark.parametrize(
    ("offset_ms", "expected"),
    [
        (0, None),
        (-300_000, None),
        (300_000, None),
        (-300_001, Reason.STALE_TIMESTAMP),
        (300_001, Reason.FUTURE_TIMESTAMP),
    ],
)
def test_window_is_plus_minus_tolerance(offset_ms: int, expected: Reason | None) -> None:
    assert check_freshness(NOW_MS + offset_ms, NOW, 300) is expected


def test_absurd_timestamps_are_refused_without_overflow() -> None:
    assert check_freshness(10**20, NOW, 300) is Reason.FUTURE_TIMESTAMP
    assert check_freshness(0, NOW, 300) is Reason.STALE_TIMESTAMP
