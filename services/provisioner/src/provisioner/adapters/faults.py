"""Test and demo hooks, read from Redis only when PROVISIONER_FAULTS_ENABLED is set.

`{prefix}fault:{tenant key}` holds one of:
- `fail:<step>`: that step fails every attempt, so the pipeline is compensated;
- `hold-callback`: the local driver never calls back;
- `delay-callback:<seconds>`: the local driver calls back after that long;
- `handler-error`: the handler of `tenant.provisioning_requested` raises a failure that is no
  engine outage, so the message goes through the retry tiers and is dead-lettered
  (`retries_exhausted`). Deleting the key is "fixing the cause": a replay
  of the dead letter then provisions the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis


class InjectedOutage(RuntimeError):
    """Raised by the `handler-error` hook: a failure the consumer retries, then dead-letters.

    Not an OSError: a real engine outage is waited out in place (`service_kit.outages`), and
    this hook is there to show the retry tiers and the DLQ.
    """


@dataclass(frozen=True)
class Faults:
    failing_step: str | None = None
    hold_callback: bool = False
    callback_delay: float = 0.0
    handler_error: bool = False


NONE = Faults()


def fault_key(prefix: str, tenant_key: str) -> str:
    return f"{prefix}fault:{tenant_key}"


def parse_faults(value: str | None) -> Faults:
    if not value:
        return NONE
    kind, _, arg = value.partition(":")
    if kind == "fail" and arg:
        return Faults(failing_step=arg)
    if kind == "hold-callback":
        return Faults(hold_callback=True)
    if kind == "delay-callback":
        return Faults(callback_delay=float(arg or 0))
    if kind == "handler-error":
        return Faults(handler_error=True)
    raise ValueError(f"unknown fault {value!r}")


async def load_faults(redis: Redis, prefix: str, tenant_key: str, enabled: bool) -> Faults:
    if not enabled:
        return NONE
    value = await redis.get(fault_key(prefix, tenant_key))
    return parse_faults(value.decode() if isinstance(value, bytes) else value)
