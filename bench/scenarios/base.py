"""What every scenario gets (the stack, the options, a progress display, a scratch directory)
and gives back (one JSON-able dict with `metrics` the targets are checked against)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import Progress, TaskID

from bench import profiling
from bench.cpu import CpuReport, CpuSampler, infrastructure_classifier
from bench.stack import BenchStack
from bench.wrk_runner import WrkSettings


@dataclass(frozen=True)
class Options:
    """The scenario parameters of a run (recorded with its results)."""

    duration: float = 20.0
    pooled: int = 300
    silo: int = 50
    rate: float = 100.0
    saga_concurrency: int = 32
    settle_timeout: float = 120.0
    wrk: WrkSettings = field(default_factory=WrkSettings)
    read_tenants: int = 20
    webhook_tenants: int = 200
    seed: int = 1
    # `growth`: the seeded volumes (1.0 = a year-old control plane), the saga's tenants on each
    # database, calls per figure, seconds between the outbox burst and the relay's poll, wrk's
    # seconds for the key-prefix search.
    growth_scale: float = 1.0
    growth_tenants: int = 100
    growth_repeat: int = 30
    growth_burst_wait: float = 75.0
    growth_wrk_seconds: float = 5.0

    def recorded(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Measurement:
    cpu: CpuReport | None = None


@dataclass
class Context:
    stack: BenchStack
    options: Options
    progress: Progress
    workdir: Path
    roles: dict[int, str] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    # `--profile`: the services to sample with py-spy, where their flame graphs go (the run's
    # file prefix plus the scenario's name), and what each scenario's sampling wrote.
    profile: tuple[str, ...] = ()
    profile_prefix: Path | None = None
    profiles: dict[str, str] = field(default_factory=dict)
    profile_problems: dict[str, str] = field(default_factory=dict)

    def task(self, description: str, total: float) -> tuple[TaskID, Callable[[float], None]]:
        task = self.progress.add_task(description, total=total)
        return task, lambda done: self.progress.update(task, completed=done)

    @contextlib.asynccontextmanager
    async def measuring(self) -> AsyncIterator[Measurement]:
        """CPU by process group while the body runs: the measured part of a scenario."""
        window = self.measured_window()
        try:
            yield window.measurement
        finally:
            window.stop()

    def measured_window(self) -> MeasuredWindow:
        """The same, opened now and closed by `stop()`, for a part that has no block of its own."""
        return MeasuredWindow(self)


class MeasuredWindow:
    """CPU sampling, and the `--profile` services' py-spy, from its creation to `stop()`."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        ctx.roles.update(ctx.stack.pids())
        classify = infrastructure_classifier(ctx.stack.names.database, ctx.roles)
        self._sampler = CpuSampler(classify).start()
        self._profilers = (
            profiling.start(ctx.stack.pids(), ctx.profile, ctx.profile_prefix)
            if ctx.profile_prefix is not None
            else []
        )
        self.measurement = Measurement()

    def stop(self) -> Measurement:
        self.measurement.cpu = self._sampler.stop()
        written, missing = profiling.stop(self._profilers)
        self._ctx.profiles.update(written)
        self._ctx.profile_problems.update(missing)
        return self.measurement


class Scenario:
    name = ""
    title = ""
    target_note = ""
    # Left out of a run that does not name it (it takes long, or changes the run's database).
    opt_in = False

    async def run(self, ctx: Context) -> dict[str, Any]:
        raise NotImplementedError

    async def verify(self, ctx: Context, result: dict[str, Any]) -> None:
        """After the services have drained: check what the run left behind (optional)."""
        return None
