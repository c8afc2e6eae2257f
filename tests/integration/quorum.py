"""A three-broker KRaft quorum (`kafka.brokers: 3`) in five namespaces: broker-1..3, producer, consumer.

Every node is configured the way the deployment configures broker i of a cluster
(components/kafka_server.py): Facts(role="broker", private_ip=ips[i], brokers=tuple(ips), node_id=i+1)
-> kafka.server_properties, storage formatted with kafka.format_args; topics are created once from
broker-1 with topics.topic_commands, as the topics stage does. Flows (tests.integration.flow) work on
a Quorum like on a Cluster: it has `net`, `hosts` and `client()`.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.integration import jars
from tests.integration.broker import WORK, Broker, BrokerError, env, prepare
from tests.integration.jvm import Host
from tests.integration.netns import Network

from components.settings import Settings
from components.stages import kafka

CLIENTS = ("producer", "consumer")


class Quorum:
    def __init__(self, settings: Settings, tag: str = "q3", subnet: str = "10.213.2", memory_mib: int = 1536):
        assert settings.kafka.mode == "kraft", "a multi-broker quorum is KRaft only"
        self.settings = settings
        self.version = settings.kafka.version
        self.names = tuple(f"broker-{i}" for i in range(1, settings.kafka.brokers + 1))
        self.net = Network(tag, subnet, hosts=(*self.names, *CLIENTS))
        self.work = WORK / tag / f"kraft{len(self.names)}-{self.version}"
        self.hosts = {h: Host(h, self.work / h) for h in self.net.hosts}
        self.ips = tuple(self.net.ip[n] for n in self.names)
        self.memory_mib = memory_mib
        self.cp = ""
        self.brokers: list[Broker] = []

    # ---- lifecycle ----

    def start(self, timeout: float = 120) -> dict[int, float]:
        """Render, format and launch every node at once, then wait until each serves clients.
        Returns {node_id: seconds until ready}."""
        self.cp = prepare(self.version, self.work, self.hosts.values(), self.net)
        try:
            self.brokers = [Broker(self.net, self.settings, self.hosts[name], self.cp, memory_mib=self.memory_mib,
                                   ns=name, peers=self.ips, node_id=i + 1)
                            for i, name in enumerate(self.names)]
            for b in self.brokers:
                b.render()
                b.format()
            began = time.monotonic()
            for b in self.brokers:
                b.launch()
            return self.wait_ready(self.brokers, began, timeout)
        except BaseException:
            self.stop()
            raise

    @staticmethod
    def wait_ready(brokers: list[Broker], began: float, timeout: float) -> dict[int, float]:
        ready: dict[int, float] = {}
        deadline = began + timeout
        while time.monotonic() < deadline and len(ready) < len(brokers):
            for b in brokers:
                if b.node_id in ready:
                    continue
                if not b.process.alive():
                    raise BrokerError(f"node {b.node_id} exited:\n{b.process.tail()}")
                if b.ready():
                    ready[b.node_id] = time.monotonic() - began
            time.sleep(0.3)
        missing = [b for b in brokers if b.node_id not in ready]
        if missing:
            raise BrokerError(f"nodes {[b.node_id for b in missing]} not ready within {timeout}s:\n"
                              + "\n".join(f"--- node {b.node_id}\n{b.process.tail(20)}" for b in missing))
        return ready

    def node(self, node_id: int) -> Broker:
        return self.brokers[node_id - 1]

    def restart(self, node_id: int, timeout: float = 90) -> float:
        """Start a (killed) node again from the same config and data dir; seconds until it serves."""
        b = self.node(node_id)
        assert not b.process.alive(), f"node {node_id} still runs"
        began = time.monotonic()
        b.launch()
        return self.wait_ready([b], began, timeout)[node_id]

    def stop(self, grace: float = 20) -> None:
        """SIGTERM every node at once (one by one, the last ones wait for a quorum that has gone),
        kill -9 whatever still runs after `grace` seconds, then remove the namespaces."""
        running = [b for b in self.brokers if b.process.alive()]
        for b in running:
            try:
                b.process.proc.send_signal(signal.SIGTERM)
            except (OSError, ProcessLookupError):
                pass
        deadline = time.monotonic() + grace
        for b in running:
            try:
                b.process.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for b in running:
            try:
                b.kill9()
            except Exception:  # noqa: BLE001 - teardown continues
                pass
        self.net.destroy()

    # ---- what the deployment renders and runs ----

    @property
    def bootstrap(self) -> str:
        return kafka.bootstrap_servers(self.ips)

    def topic_commands(self) -> list[list[str]]:
        """The topics stage runs once, on broker-1, against its own listener (topics.plan)."""
        return self.brokers[0].topic_commands()

    def create_topics(self) -> list[subprocess.CompletedProcess]:
        return self.brokers[0].create_topics()

    # ---- observing ----

    def client(self, host: str, *args: str) -> list[str]:
        """`python -m tests.integration.client ...` inside a namespace."""
        return self.net.cmd(host, [sys.executable, "-m", "tests.integration.client", *args])

    def describe(self, topic_names: list[str], host: str = "producer") -> dict:
        result = subprocess.run(self.client(host, "describe", "--bootstrap", self.bootstrap,
                                            "--topics", ",".join(topic_names)),
                                capture_output=True, text=True, timeout=60, env=env(), cwd=str(jars.ROOT))
        assert result.returncode == 0, f"describe failed:\n{result.stdout}{result.stderr}"
        return json.loads(result.stdout)

    def wait_topic(self, topic: str, check, timeout: float, what: str) -> tuple[dict, float]:
        """Describe `topic` until check(partitions) holds; (partitions, seconds waited). Bounded."""
        began = time.monotonic()
        last: dict = {}
        while time.monotonic() - began < timeout:
            try:
                info = self.describe([topic])["topics"][topic]
            except (AssertionError, KeyError, ValueError, subprocess.TimeoutExpired) as error:
                last = {"error": repr(error)[:300]}
            else:
                last = info
                if info["error_code"] == 0 and check(info["partitions"]):
                    return info["partitions"], time.monotonic() - began
            time.sleep(0.5)
        raise AssertionError(f"{topic}: not {what} within {timeout}s; last: {last}")

    def quorum_leader(self) -> tuple[int | None, int]:
        """(leader id, epoch) of the KRaft metadata quorum, from the nodes' quorum-state files (the
        newest epoch wins): the active controller, found without starting a JVM."""
        best: tuple[int | None, int] = (None, -1)
        for b in self.brokers:
            path = Path(b.data_dir) / "__cluster_metadata-0" / "quorum-state"
            try:
                state = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            epoch, leader = int(state.get("leaderEpoch", -1)), state.get("leaderId", -1)
            if epoch > best[1] and leader is not None and leader >= 0:
                best = (int(leader), epoch)
        return best
