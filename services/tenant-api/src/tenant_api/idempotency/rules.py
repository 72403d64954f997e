"""Idempotency-Key rules, free of I/O: key syntax, fingerprints, stored records, decisions."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

HEADER = "Idempotency-Key"
PROBLEM_JSON = "application/problem+json"
REPLAYED_HEADER = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY_LENGTH = 255
# Headers a replay repeats; the rest (length, date, request id, cookies) belong to one answer.
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-language",
        "content-location",
        "location",
        "etag",
        "last-modified",
        "link",
        "allow",
        "www-authenticate",
        "cache-control",
    }
)
# Answers a retry may change (timed out, too early, rate limited): not kept, like any 5xx, or
# any answer that tells the client when to come back (Retry-After: "not yet", never final).
RETRYABLE_4XX = frozenset({408, 425, 429})
RETRY_AFTER = b"retry-after"
# Set on the request's scope by a route whose answer reveals a secret once (a new API key).
ONE_TIME_REVEAL = "controlplane.one_time_reveal"


class InvalidKey(ValueError):
    """The header is not one key of 1-255 printable ASCII characters."""


def validate_key(values: Sequence[bytes]) -> str:
    """The one `Idempotency-Key` value as text, or `InvalidKey`."""
    if len(values) != 1:
        raise InvalidKey(f"Send exactly one {HEADER} header.")
    key = values[0].decode("latin-1")
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidKey(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters long.")
    # HTTP strips outer whitespace from header values, so a key cannot meaningfully carry it.
    if any(not " " <= c <= "~" for c in key) or key != key.strip(" "):
        raise InvalidKey(f"{HEADER} must be printable ASCII, without outer spaces.")
    return key


def fingerprint(method: str, target: str, body: bytes) -> str:
    """sha256 of what the request asks for: method, path with query, and the raw body bytes."""
    # The path arrives percent-decoded as UTF-8, so it may hold any character.
    digest = hashlib.sha256(f"{method}\n{target}\n".encode("utf-8", "surrogatepass"))
    digest.update(body)
    return digest.hexdigest()


def storage_key(prefix: str, caller: str, method: str, path: str, key: str) -> str:
    """The Redis key of one caller's key on one route; hashed, so no caller data is stored in it."""
    scope = json.dumps([caller, method, path, key]).encode()
    return f"{prefix}idempotency:{hashlib.sha256(scope).hexdigest()}"


def upstream_key(caller: str, method: str, path: str, key: str, request_fingerprint: str) -> str:
    """The key forwarded to an upstream service: the client's, scoped to the caller, route and
    request, so two callers (or two requests) sharing a key never share an upstream effect."""
    scope = json.dumps(["upstream", caller, method, path, key, request_fingerprint]).encode()
    return hashlib.sha256(scope).hexdigest()


@dataclass(frozen=True)
class Pending:
    """The claim of the request that runs; `owner` makes it unique to that request."""

    fingerprint: str
    owner: str


@dataclass(frozen=True)
class Completed:
    """The first answer, as it is replayed."""

    fingerprint: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


Record = Pending | Completed


def encode(record: Record) -> str:
    """Deterministic text (a claim is compared byte for byte when it is completed or released)."""
    if isinstance(record, Pending):
        data: dict[str, object] = {
            "state": "pending",
            "fp": record.fingerprint,
            "owner": record.owner,
        }
    else:
        data = {
            "state": "completed",
            "fp": record.fingerprint,
            "status": record.status,
            "headers": [list(h) for h in record.headers],
            "body": base64.b64encode(record.body).decode("ascii"),
        }
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def decode(text: str) -> Record:
    """The record `encode` wrote; `ValueError` for anything else."""
    try:
        data = json.loads(text)
        if data["state"] == "pending":
            return Pending(fingerprint=str(data["fp"]), owner=str(data["owner"]))
        if data["state"] == "completed":
            return Completed(
                fingerprint=str(data["fp"]),
                status=int(data["status"]),
                headers=tuple((str(k), str(v)) for k, v in data["headers"]),
                body=base64.b64decode(data["body"], validate=True),
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("not an idempotency record") from exc
    raise ValueError("not an idempotency record")


class Decision(Enum):
    CLAIM = "claim"  # nothing stored (or it just expired): take the key and run
    REPLAY = "replay"  # the first answer is stored: repeat it
    WAIT = "wait"  # the first request still runs: look again shortly
    MISMATCH = "mismatch"  # the key was used for another request: refuse, run nothing


def decide(record: Record | None, request_fingerprint: str) -> Decision:
    if record is None:
        return Decision.CLAIM
    if record.fingerprint != request_fingerprint:
        return Decision.MISMATCH
    return Decision.REPLAY if isinstance(record, Completed) else Decision.WAIT


def is_kept(status: int, headers: Iterable[tuple[bytes, bytes]] = ()) -> bool:
    """Final answers are kept: 2xx and 4xx. A 5xx, a retryable 4xx or an answer carrying
    Retry-After (409 still being processed, 429, 503) frees the key instead, so the retry runs."""
    if any(k.lower() == RETRY_AFTER for k, _ in headers):
        return False
    return 200 <= status < 300 or (400 <= status < 500 and status not in RETRYABLE_4XX)


def secret_withheld(request_fingerprint: str, status: int, path: str) -> Completed:
    """What is kept of a successful answer that revealed a secret: not the secret (it was to
    be shown once, and the store is no place for it), but the fact, as a 409 for every retry.
    The effect still happens once."""
    detail = (
        f"The request with this {HEADER} succeeded ({status}); its answer held a secret, "
        "shown once and not kept. List what it made to find it."
    )
    problem = {
        "type": "https://controlplane.dev/problems/secret-not-replayed",
        "title": "Conflict",
        "status": 409,
        "detail": detail,
        "instance": path,
    }
    body = json.dumps(problem, separators=(",", ":")).encode()
    return Completed(request_fingerprint, 409, (("content-type", PROBLEM_JSON),), body)


def kept_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    decoded = ((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in headers)
    return tuple((k, v) for k, v in decoded if k in KEPT_HEADERS)


def replay_headers(record: Completed) -> list[tuple[bytes, bytes]]:
    """The stored headers, the length of the stored body, and the replay marker."""
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record.headers]
    headers.append((b"content-length", str(len(record.body)).encode()))
    headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    return headers
