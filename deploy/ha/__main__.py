"""`python -m deploy.ha up|down|status` (what `make ha` and `make ha-down` run)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .procs import HaError, say
from .stack import PARTS, HaStack

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / "var" / "ha"


def up(base: Path, parts: list[str], port_base: int) -> None:
    started = time.monotonic()
    stack = HaStack.create(base, port_base)
    say(f"addresses in {stack.env_file}; logs in {stack.logs}/")
    seconds = stack.start(parts)
    timings = ", ".join(f"{part} {s:.1f} s" for part, s in seconds.items())
    say(f"HA stack up in {time.monotonic() - started:.1f} s ({timings})")
    if "services" in parts:
        say(f"gateway http://127.0.0.1:{stack.layout.service_base}  (make ha-down stops it all)")
    say(f"point tools at it:  set -a; . {stack.env_file}; set +a")


def down(base: Path, wipe: bool) -> None:
    env_file = base / "ha.env"
    if not env_file.exists():
        say(f"no HA stack in {base}; nothing to stop")
        return
    HaStack.load(env_file).stop(wipe=wipe)
    say("HA stack stopped" + ("" if wipe else f"; data kept in {base} (HA_WIPE=1 removes it)"))


def status(base: Path) -> None:
    stack = HaStack.load(base / "ha.env")
    for what, probe in (
        ("RabbitMQ running nodes", stack.rabbit_running),
        ("Patroni leader", lambda: stack.patroni.leader_or_none()),
        ("Redis master's port (sentinels)", lambda: stack.redis.master_votes()[0]),
    ):
        try:
            say(f"{what}: {probe()}")
        except HaError as exc:
            say(f"{what}: {exc}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("HA_DIR", DEFAULT_DIR)))
    parser.add_argument("--parts", default=",".join(PARTS), help=f"of {','.join(PARTS)}")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("HA_PORT_BASE", 8100)))
    parser.add_argument("--wipe", action="store_true", default=os.environ.get("HA_WIPE") == "1")
    args = parser.parse_args()
    try:
        if args.command == "up":
            up(args.dir, [p for p in args.parts.split(",") if p], args.port_base)
        elif args.command == "down":
            down(args.dir, args.wipe)
        else:
            status(args.dir)
    except HaError as exc:
        print(f"[ha] error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
