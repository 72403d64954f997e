"""Which signature scheme a delivery uses, and its signature headers, checked for shape."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from webhook_receiver.domain.receipts import Reason, Scheme

STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
ARC_HEADERS = ("x-signature", "x-timestamp")

_TIMESTAMP = re.compile(r"[0-9]{1,20}")
_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,200}")  # printable ASCII, no spaces
MAX_SIGNATURE_CHARS = 2048  # room for several signatures during a key rotation


@dataclass(frozen=True)
class SignedRequest:
    """The signature headers of one delivery, as sent."""

    scheme: Scheme
    timestamp: int  # milliseconds (ARC) or seconds (Standard Webhooks), as signed
    signature: str
    message_id: str | None = None  # Standard Webhooks only

    @property
    def sent_at_ms(self) -> int:
        return self.timestamp if self.scheme is Scheme.ARC else self.timestamp * 1000

    @property
    def delivery_key(self) -> str:
        """What identifies a redelivery: `webhook-id`, or the ARC signature's SHA-256."""
        if self.message_id is not None:
            return self.message_id
        return hashlib.sha256(self.signature.lower().encode()).hexdigest()


def detect_scheme(headers: Mapping[str, str]) -> Scheme:
    """Standard Webhooks as soon as one of its headers is present; ARC otherwise."""
    return Scheme.STANDARD if any(h in headers for h in STANDARD_HEADERS) else Scheme.ARC


def read_signed_request(headers: Mapping[str, str]) -> SignedRequest | Reason:
    """The delivery's signature headers, or why they cannot be used."""
    scheme = detect_scheme(headers)
    names = STANDARD_HEADERS if scheme is Scheme.STANDARD else ARC_HEADERS
    values = {name: headers.get(name, "").strip() for name in names}
    if not all(values.values()):
        return Reason.MISSING_HEADERS
    stamp = values["webhook-timestamp" if scheme is Scheme.STANDARD else "x-timestamp"]
    signature = values["webhook-signature" if scheme is Scheme.STANDARD else "x-signature"]
    if not _TIMESTAMP.fullmatch(stamp) or len(signature) > MAX_SIGNATURE_CHARS:
        return Reason.INVALID_HEADERS
    if scheme is Scheme.ARC:
        return SignedRequest(scheme, int(stamp), signature)
    message_id = values["webhook-id"]
    if not _MESSAGE_ID.fullmatch(message_id):
        return Reason.INVALID_HEADERS
    return SignedRequest(scheme, int(stamp), signature, message_id)
