"""When to ask the token endpoint again while the user approves a device sign-in (RFC 8628
§3.5), and when to give up. Pure: the caller sleeps and asks."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tenant_api.cli.config import CliError

# §3.2: the interval a client waits when the provider names none; §3.5: what slow_down adds.
DEFAULT_INTERVAL = 5
SLOW_DOWN_STEP = 5
# §3.5 asks for an exponential back-off on connection timeouts; up to this.
MAX_BACKOFF = 60


class SignInFailed(CliError):
    """The device sign-in ended without tokens."""


EXPIRED = "the code expired before it was approved: run `tenantctl login` again"


@dataclass(frozen=True)
class Polling:
    interval: float
    deadline: float  # on the caller's monotonic clock

    @classmethod
    def start(cls, interval: int | None, expires_in: int, now: float) -> Polling:
        return cls(interval=max(interval or DEFAULT_INTERVAL, 1), deadline=now + expires_in)

    def after(self, error: str, description: str | None, now: float) -> Polling:
        """How to go on after the token endpoint refused with `error`; `SignInFailed` when
        there is nothing left to wait for."""
        if error == "authorization_pending":
            polling = self
        elif error == "slow_down":
            polling = replace(self, interval=self.interval + SLOW_DOWN_STEP)  # for good
        elif error == "access_denied":
            raise SignInFailed("the sign-in was denied at the provider")
        elif error == "expired_token":
            raise SignInFailed(EXPIRED)
        else:
            said = f"{error}: {description}" if description else error
            raise SignInFailed(f"the provider refused the sign-in ({said})")
        return polling.waiting(now)

    def unanswered(self, now: float) -> Polling:
        """The provider did not answer this time: wait twice as long before the next try."""
        return replace(self, interval=min(self.interval * 2, MAX_BACKOFF)).waiting(now)

    def waiting(self, now: float) -> Polling:
        if now + self.interval > self.deadline:
            # The next answer could only be expired_token: no use waiting for it.
            raise SignInFailed(EXPIRED)
        return self
