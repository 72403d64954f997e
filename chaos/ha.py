"""The `make ha` target: to be wired when deploy/ha/ exists. What it takes is a `Target`
(chaos/target.py) built from var/ha/ha.env, with `services` restarting one of each service's
processes, `engines` an adapter over `HaStack` (chaos/engines.py's `EngineControl`), and
`restartable` its single-node engines."""

from __future__ import annotations

from pathlib import Path


def ha_unavailable(root: Path) -> str:
    env = root / "var" / "ha" / "ha.env"
    if not env.exists():
        return f"{env} not found: start the clustered stack with `make ha` first"
    return "the ha target is not wired to HaStack yet (see chaos/ha.py)"
