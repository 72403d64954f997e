"""The timestamp window: a delivery signed too long ago, or too far ahead, is refused."""

from __future__ import annotations

from datetime import datetime

from webhook_receiver.domain.receipts import Reason


def check_freshness(sent_at_ms: int, now: datetime, tolerance_seconds: int) -> Reason | None:
    """None if `sent_at_ms` is within ±tolerance of `now` (bounds included)."""
    # Whole milliseconds in integers: no overflow or rounding, whatever a sender claims.
    now_ms = int(now.timestamp() * 1000)
    tolerance_ms = tolerance_seconds * 1000
    if sent_at_ms < now_ms - tolerance_ms:
        return Reason.STALE_TIMESTAMP
    if sent_at_ms > now_ms + tolerance_ms:
        return Reason.FUTURE_TIMESTAMP
    return None
