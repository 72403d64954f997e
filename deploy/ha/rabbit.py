"""RabbitMQ nodes from Debian's package, private to this stack (see HA-NOTES in the docs):
their own HOME and cookie, their own epmd port, node names `<label>@localhost`."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .procs import HaError, Step, alive, kill9, port_answers, read_pid, run, say, spawn, wait_for

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
BOOT_TIMEOUT = 90.0


@dataclass(frozen=True)
class RabbitNode:
    label: str  # rabbit1
    amqp_port: int
    dist_port: int
    base: Path  # the cluster's directory: home/, <label>/, log/

    @property
    def nodename(self) -> str:
        return f"{self.label}@localhost"

    @property
    def dir(self) -> Path:
        return self.base / self.label

    @property
    def log(self) -> Path:
        return self.base / "log" / f"{self.label}.log"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"


class RabbitCluster:
    """One or more nodes sharing a HOME (cookie) and an epmd port; the first is the seed."""

    def __init__(self, base: Path, epmd_port: int, nodes: list[RabbitNode]) -> None:
        self.base = base
        self.epmd_port = epmd_port
        self.nodes = nodes
        self.home = base / "home"
        self._launched: dict[str, int] = {}

    def env(self, node: RabbitNode | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "HOME": str(self.home),
            "ERL_EPMD_PORT": str(self.epmd_port),
            # Without it /etc/rabbitmq/rabbitmq-env.conf forces NODENAME=rabbit@localhost.
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "empty-env.conf"),
        }
        if node is not None:
            env |= {
                "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
                "RABBITMQ_NODENAME": node.nodename,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(node.amqp_port),
                "RABBITMQ_DIST_PORT": str(node.dist_port),
                "RABBITMQ_CONFIG_FILE": str(node.dir / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
                "RABBITMQ_MNESIA_BASE": str(node.dir / "mnesia"),
                "RABBITMQ_LOG_BASE": str(node.dir / "log"),
                "RABBITMQ_PID_FILE": str(node.dir / "beam.pid"),
            }
        return env

    def node(self, name: str) -> RabbitNode:
        for node in self.nodes:
            if name in (node.label, node.nodename):
                return node
        raise HaError(f"no RabbitMQ node {name!r}; nodes: {[n.label for n in self.nodes]}")

    def ctl(self, node: RabbitNode, *args: str, timeout: float = 60) -> str:
        done = run([CTL, "-n", node.nodename, *args], env=self.env(), timeout=timeout)
        if done.returncode != 0:
            raise HaError(
                f"rabbitmqctl -n {node.nodename} {' '.join(args)} failed: "
                f"{(done.stderr or done.stdout).strip()[-400:]}; read {node.log}"
            )
        return done.stdout

    def ctl_json(self, node: RabbitNode, *args: str) -> Any:
        return json.loads(self.ctl(node, *args, "--formatter", "json"))

    # --- start and stop -------------------------------------------------------------------

    def prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        cookie = self.home / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(secrets.token_hex(20).upper())
            cookie.chmod(0o400)
        (self.base / "empty-env.conf").write_text("")
        (self.base / "enabled_plugins").write_text("[].\n")
        for node in self.nodes:
            node.dir.mkdir(parents=True, exist_ok=True)
            (node.dir / "rabbitmq.conf").write_text(
                f"listeners.tcp.default = 127.0.0.1:{node.amqp_port}\n"
                "loopback_users = none\n"
                # A disk alarm on a small CI disk would block every publisher.
                "disk_free_limit.absolute = 50MB\n"
            )

    def pid(self, node: RabbitNode) -> int | None:
        return read_pid(node.dir / "beam.pid")

    def launch(self, node: RabbitNode) -> None:
        """Start the node's Erlang VM (and the broker in it) without waiting."""
        if alive(self.pid(node)):
            return
        (node.dir / "beam.pid").unlink(missing_ok=True)
        self._launched[node.label] = spawn([SERVER], node.log, env=self.env(node), cwd=node.dir)

    def wait_booted(self, node: RabbitNode, timeout: float = BOOT_TIMEOUT) -> None:
        launched = self._launched.get(node.label)

        def booted() -> bool:
            if launched is not None and not alive(launched):
                raise HaError(f"RabbitMQ {node.label} exited while starting; read {node.log}")
            # The AMQP listener opens last, once the broker has booted.
            return port_answers(node.amqp_port)

        wait_for(
            booted,
            f"RabbitMQ {node.label} on :{node.amqp_port}",
            timeout,
            node.log,
        )

    def running_nodes(self, via: RabbitNode | None = None) -> list[str]:
        """Nodes cluster_status reports running, asked of `via` or of any node that answers."""
        for node in [via] if via else self.nodes:
            try:
                status = self.ctl_json(node, "cluster_status")
            except HaError:
                continue
            return sorted(status.get("running_nodes", []))
        raise HaError(f"no RabbitMQ node answers cluster_status; read {self.base / 'log'}")

    def start(self) -> None:
        """Every node, in parallel (a restarted cluster waits for its peers), then joined."""
        self.prepare()
        for node in self.nodes:
            self.launch(node)
        for node in self.nodes:
            with Step(f"starting {node.label} on :{node.amqp_port}"):
                self.wait_booted(node)
        seed = self.nodes[0]
        for node in self.nodes[1:]:
            if node.nodename in self.running_nodes(seed):
                continue
            with Step(f"joining {node.label} to {seed.label}"):
                self.ctl(node, "stop_app")
                self.ctl(node, "join_cluster", seed.nodename)
                self.ctl(node, "start_app")
        if len(self.nodes) > 1:
            with Step(f"waiting for {len(self.nodes)} running nodes"):
                self.wait_running(len(self.nodes))

    def wait_running(self, count: int, timeout: float = BOOT_TIMEOUT) -> list[str]:
        def enough() -> list[str] | None:
            running = self.running_nodes()
            return running if len(running) == count else None

        return wait_for(
            enough,
            f"RabbitMQ cluster_status with {count} running nodes",
            timeout,
            self.base / "log",
        )

    def stop_node(self, node: RabbitNode, timeout: float = 60) -> None:
        pid = self.pid(node)
        if not alive(pid):
            return
        done = run([CTL, "-n", node.nodename, "stop"], env=self.env(), timeout=timeout)
        if done.returncode != 0:
            say(f"{node.label} did not stop gracefully; killing it")
            kill9(pid)
        wait_for(lambda: not alive(pid), f"{node.label} to exit", timeout, node.log)

    def stop(self) -> None:
        # The last node to stop must be the first to start; starting them all at once copes.
        for node in reversed(self.nodes):
            self.stop_node(node)
        run(["epmd", "-kill"], env=self.env(), timeout=10)

    # --- faults ---------------------------------------------------------------------------

    def stop_app(self, node: RabbitNode) -> None:
        """Graceful: the broker stops, the Erlang VM stays (cluster_status: not running)."""
        self.ctl(node, "stop_app")

    def bring_back(self, node: RabbitNode, timeout: float = BOOT_TIMEOUT) -> None:
        """`start_app` when the VM runs, else the whole node; returns once it serves AMQP."""
        if (
            alive(self.pid(node))
            and run([CTL, "-n", node.nodename, "ping"], env=self.env(), timeout=30).returncode == 0
        ):
            self.ctl(node, "start_app")
        else:
            self.launch(node)
        self.wait_booted(node, timeout)

    def kill(self, node: RabbitNode) -> None:
        """kill -9 of the node's beam."""
        pid = self.pid(node)
        if not alive(pid):
            raise HaError(f"{node.label} is not running (no live pid in {node.dir / 'beam.pid'})")
        kill9(pid)
        wait_for(lambda: not alive(pid), f"{node.label} to die", 10, node.log)

    def quorum_leader(self, queue: str, vhost: str = "/") -> str:
        """The node name leading quorum queue `queue`, asked of any running node."""
        for node in self.nodes:
            try:
                rows = self.ctl_json(node, "list_queues", "-p", vhost, "name", "type", "leader")
            except HaError:
                continue
            for row in rows:
                if row.get("name") == queue:
                    if row.get("type") != "quorum" or not row.get("leader"):
                        raise HaError(f"queue {queue!r} has no quorum leader: {row}")
                    return str(row["leader"])
            raise HaError(f"no queue {queue!r} in vhost {vhost!r}")
        raise HaError(f"no RabbitMQ node answers list_queues; read {self.base / 'log'}")

    def connected_node(self, connection_name: str) -> str | None:
        """The node a client connection named `connection_name` (client property) is on."""
        by_port = {n.amqp_port: n.nodename for n in self.nodes}
        for node in self.nodes:
            try:
                rows = self.ctl_json(node, "list_connections", "port", "client_properties")
            except HaError:
                continue
            for row in rows:
                props = {p[0]: p[2] for p in row.get("client_properties", []) if len(p) == 3}
                if props.get("connection_name") == connection_name:
                    return by_port.get(int(row["port"]))
            return None
        raise HaError(f"no RabbitMQ node answers list_connections; read {self.base / 'log'}")


class PrivateRabbit:
    """ONE private RabbitMQ node for restart scenarios: `start`, `stop`, `restart`, `kill`."""

    def __init__(self, base: Path, amqp_port: int, dist_port: int, epmd_port: int) -> None:
        self.node = RabbitNode("rabbit1", amqp_port, dist_port, base)
        self.cluster = RabbitCluster(base, epmd_port, [self.node])

    @property
    def url(self) -> str:
        return self.node.url

    def start(self) -> None:
        self.cluster.prepare()
        self.cluster.launch(self.node)
        self.cluster.wait_booted(self.node)

    def stop(self) -> None:
        self.cluster.stop_node(self.node)

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        self.cluster.kill(self.node)

    def close(self) -> None:
        """Stop the node and its epmd."""
        self.cluster.stop()
