"""ASGI middleware: a write with an Idempotency-Key runs once per caller; retries get its answer."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from starlette.types import ASGIApp, Receive, Scope, Send

from service_kit.body_limit import Disconnected, read_body, replaying
from tenant_api.idempotency.asgi import Answer, send_problem, send_replay
from tenant_api.idempotency.caller import VerifyClaims, caller_of
from tenant_api.idempotency.forwarding import remember_upstream_key
from tenant_api.idempotency.rules import (
    HEADER,
    METHODS,
    ONE_TIME_REVEAL,
    Completed,
    Decision,
    InvalidKey,
    Pending,
    decide,
    fingerprint,
    is_kept,
    kept_headers,
    secret_withheld,
    storage_key,
    upstream_key,
    validate_key,
)
from tenant_api.idempotency.store import IdempotencyStore, StoreUnavailable
from tenant_api.settings import TenantApiSettings

log = structlog.get_logger(__name__)

OUTCOMES = Counter(
    "idempotency_requests_total",
    "Writes carrying an Idempotency-Key, by outcome",
    ["outcome"],  # executed, replayed, mismatch, in_progress, invalid, unavailable
)
POLL_SECONDS = 0.05
_HEADER_NAME = HEADER.lower().encode()


class IdempotencyMiddleware:
    """Reads the raw body (for the fingerprint) and hands it on; captures the answer to keep it."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: TenantApiSettings,
        redis: Callable[[], Redis | None],
        verify: VerifyClaims,
    ) -> None:
        self.app = app
        self.settings = settings
        self.redis = redis
        self.verify = verify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS:
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope["headers"] if k.lower() == _HEADER_NAME]
        if not values:
            await self.app(scope, receive, send)
            return
        try:
            key = validate_key(values)
        except InvalidKey as exc:
            OUTCOMES.labels("invalid").inc()
            await send_problem(scope, receive, send, 400, "invalid-idempotency-key", str(exc))
            return
        limit = self.settings.max_body_bytes
        try:
            raw = await read_body(receive, limit)
        except Disconnected:
            return
        body = raw.body
        if body is None:  # the kit's outer cap refuses these first; never run one regardless
            detail = f"Request bodies are limited to {limit} bytes."
            await send_problem(scope, receive, send, 413, "too-large", detail)
            return
        try:
            await self._handle(scope, replaying(body, receive), send, key, body)
        except StoreUnavailable as exc:
            OUTCOMES.labels("unavailable").inc()
            log.warning("idempotency store unavailable", error=str(exc))
            detail = f"{HEADER} cannot be honoured right now; nothing was done. Retry shortly."
            headers = {"Retry-After": "5"}
            await send_problem(
                scope, receive, send, 503, "idempotency-unavailable", detail, headers
            )

    async def _handle(
        self, scope: Scope, receive: Receive, send: Send, key: str, body: bytes
    ) -> None:
        redis = self.redis()
        if redis is None:
            raise StoreUnavailable("no Redis client")
        s = self.settings
        store = IdempotencyStore(
            redis, ttl_seconds=s.idempotency_ttl_seconds, lease_seconds=s.idempotency_lease_seconds
        )
        method, path = scope["method"], scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        request = fingerprint(method, f"{path}?{query}" if query else path, body)
        caller = await caller_of(scope, self.verify, s.trusted_proxies)
        name = storage_key(s.redis_key_prefix, caller, method, path, key)
        remember_upstream_key(scope, upstream_key(caller, method, path, key, request))

        claim = Pending(fingerprint=request, owner=uuid.uuid4().hex)
        deadline = asyncio.get_running_loop().time() + s.idempotency_lock_seconds
        record = None
        while True:
            if record is None and await store.claim(name, claim):
                OUTCOMES.labels("executed").inc()
                async with _held(store, name, claim, until=deadline):
                    await self._run(scope, receive, send, store, name, claim)
                return
            record = await store.read(name)
            decision = decide(record, request)
            if decision is Decision.REPLAY:
                assert isinstance(record, Completed)
                OUTCOMES.labels("replayed").inc()
                await send_replay(record, send)
                return
            if decision is Decision.MISMATCH:
                OUTCOMES.labels("mismatch").inc()
                detail = f"This {HEADER} was already used for a different request."
                await send_problem(scope, receive, send, 422, "idempotency-key-reuse", detail)
                return
            if decision is Decision.WAIT:
                if asyncio.get_running_loop().time() >= deadline:
                    OUTCOMES.labels("in_progress").inc()
                    detail = f"a request with this {HEADER} is still in progress"
                    headers = {"Retry-After": "1"}
                    await send_problem(
                        scope, receive, send, 409, "idempotency-key-in-progress", detail, headers
                    )
                    return
                await asyncio.sleep(POLL_SECONDS)
            # Decision.CLAIM: the record vanished (released or expired) since we tried; again.

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        store: IdempotencyStore,
        name: str,
        claim: Pending,
    ) -> None:
        answer = Answer()
        try:
            await self.app(scope, receive, answer.capture)
        except Exception:
            await _release(store, name, claim)  # becomes a 500 further out: a retry may run
            raise
        if answer.start is None:
            await _release(store, name, claim)
            return
        if is_kept(answer.status, answer.headers):
            kept = Completed(
                claim.fingerprint, answer.status, kept_headers(answer.headers), answer.body
            )
            if scope.get(ONE_TIME_REVEAL) and 200 <= answer.status < 300:
                kept = secret_withheld(claim.fingerprint, answer.status, scope["path"])
            try:
                if not await store.complete(name, claim, kept):
                    log.warning("idempotency claim expired before the answer; not kept")
            except StoreUnavailable as exc:
                # The effect happened: the caller still gets its answer; the claim expires.
                log.warning("idempotency answer not kept", error=str(exc))
        else:
            await _release(store, name, claim)
        await answer.flush(send)


@contextlib.asynccontextmanager
async def _held(
    store: IdempotencyStore, name: str, claim: Pending, *, until: float
) -> AsyncIterator[None]:
    """Renew the claim while the block runs, up to `until` (the lock time): past that, a
    request that never ends lets its claim lapse, so retries are not refused for ever."""
    renewing = asyncio.create_task(_renew(store, name, claim, until))
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing


async def _renew(store: IdempotencyStore, name: str, claim: Pending, until: float) -> None:
    loop = asyncio.get_running_loop()
    every = store.lease_ms / 1000 / 3  # two renewals may fail before the lease runs out
    while loop.time() + every < until:
        await asyncio.sleep(every)
        try:
            if not await store.renew(name, claim):
                log.warning("idempotency claim lost while its request ran")
                return
        except StoreUnavailable as exc:
            log.warning("idempotency claim not renewed", error=str(exc))


async def _release(store: IdempotencyStore, name: str, claim: Pending) -> None:
    try:
        await store.release(name, claim)
    except StoreUnavailable as exc:
        log.warning("idempotency claim not released; it expires", error=str(exc))
