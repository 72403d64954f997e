"""A crashed background job restarts with a growing wait that starts over after a healthy run."""

from __future__ import annotations

from service_kit.supervision import HEALTHY_RUN, supervise


class Timeline:
    """A clock the job and the supervisor's waits move forward; every wait is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def test_the_restart_wait_grows_while_crashing_and_starts_over_after_a_healthy_run() -> None:
    timeline = Timeline()
    # How long each run lasts before it crashes; the last run ends the job.
    runs = [0.0] * 7 + [HEALTHY_RUN] + [0.0, 0.0] + [HEALTHY_RUN - 1, 0.0]

    async def job() -> None:
        timeline.now += runs.pop(0)
        if runs:
            raise ConnectionRefusedError("database away")

    await supervise("relay", job, clock=timeline.clock, sleep=timeline.sleep)

    assert runs == []
    assert timeline.waits == [
        # an outage: every restart crashes at once
        *[1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0],
        # a healthy run, then a new outage: the wait starts over
        *[1.0, 2.0, 4.0],
        # a run shorter than a healthy one does not reset the wait
        8.0,
    ]
