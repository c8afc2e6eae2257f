"""A real Kafka broker (and ZooKeeper for zookeeper mode) inside the `broker` namespace, configured
by the very functions the deployment uses. A Broker can also be one node of a multi-broker KRaft
quorum (its own namespace, peers and node id: see tests/integration/quorum.py).

Each simulated host has a root directory under tests/integration/.work/<tag>/<host>/ standing in
for its filesystem: the broker's config lives at <root>/etc/kafka/server.properties, its data at
<root>/var/lib/kafka/data (the deployment's paths, re-rooted), and the JVM's java.io.tmpdir at
<root>/tmp, so a test can wipe "/tmp" of the broker host and restart.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration import jars
from tests.integration.jvm import JVM_OPTS, Host, Process, log_config, rooted
from tests.integration.netns import Network

from components.settings import Settings
from components.stages import kafka, kafka_listeners, topics, zookeeper
from components.stages.plan import Facts, properties

WORK = jars.HERE / ".work"
BROKER_MEMORY_MIB = 2048  # what Facts says the broker host has: heap_mb gives 512 MiB of it
ZOOKEEPER_HEAP = "-Xmx256m"  # as the zookeeper unit sets it
TOOL_HEAP = "-Xmx256m"
# What the broker logs once it serves clients, by release line.
READY_MARKERS = ("Kafka Server started", "[KafkaServer id=", "] started (kafka.server.KafkaServer)")


class BrokerError(RuntimeError):
    pass


class ZooKeeper:
    def __init__(self, net: Network, host: Host, cp: str, version: str):
        self.net, self.host, self.cp = net, host, cp
        self.config = rooted(host.root, zookeeper.CONFIG)
        self.data_dir = rooted(host.root, zookeeper.DATA_DIR)
        self.log_flags = log_config(version, host.root)
        self.process = Process(net, "broker", [
            "java", ZOOKEEPER_HEAP, f"-Xms{ZOOKEEPER_HEAP[4:]}", *JVM_OPTS, f"-Djava.io.tmpdir={host.tmp}",
            *self.log_flags, "-cp", cp, jars.MAIN_CLASSES["zookeeper"], str(self.config)],
            host.root / "var" / "log" / "zookeeper.log")

    def render(self) -> None:
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(properties(zookeeper.zookeeper_properties(data_dir=str(self.data_dir))))

    def start(self, timeout: float = 60) -> None:
        self.host.tmp.mkdir(parents=True, exist_ok=True)
        self.process.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise BrokerError(f"ZooKeeper exited:\n{self.process.tail()}")
            if self.net.port_open("broker", "127.0.0.1", zookeeper.PORT):
                return
            time.sleep(0.5)
        raise BrokerError(f"ZooKeeper not listening within {timeout}s:\n{self.process.tail()}")

    def stop(self) -> None:
        self.process.stop()


@dataclass
class Broker:
    """One broker rendered from `settings`, started and restarted from the same config and data."""

    net: Network
    settings: Settings
    host: Host
    cp: str
    memory_mib: int = BROKER_MEMORY_MIB
    # A node of a multi-broker quorum: its namespace, every broker's address (Facts.brokers) and node id.
    ns: str = "broker"
    peers: tuple[str, ...] = ()
    node_id: int = 1
    # What server.properties holds: the deployment's own, unless a benchmark compares another.
    config_of: Callable[..., dict[str, object]] = kafka.server_properties
    process: Process = field(init=False)

    def __post_init__(self) -> None:
        self.ip = self.net.ip[self.ns]
        self.facts = Facts(role="broker", private_ip=self.ip, brokers=self.peers or (self.ip,),
                           node_id=self.node_id, memory_mib=self.memory_mib)
        self.config = rooted(self.host.root, kafka.CONFIG)
        self.data_dir = rooted(self.host.root, kafka.DATA_DIR)
        self.heap = kafka.heap_mb(self.settings, self.facts)
        self.log_flags = log_config(self.settings.kafka.version, self.host.root)
        self.process = Process(self.net, self.ns, [
            "java", f"-Xms{self.heap}m", f"-Xmx{self.heap}m", *JVM_OPTS, f"-Djava.io.tmpdir={self.host.tmp}",
            *self.log_flags, "-cp", self.cp, jars.MAIN_CLASSES["broker"], str(self.config)],
            self.host.root / "var" / "log" / "kafka" / "server.log")

    @property
    def bootstrap(self) -> str:
        return kafka.bootstrap_servers((self.ip,))

    @property
    def tls_dir(self) -> Path:
        return rooted(self.host.root, kafka_listeners.TLS_DIR)

    def render(self) -> str:
        extra = {"tls_dir": str(self.tls_dir)} if self.settings.kafka.security != "plaintext" else {}
        text = properties(self.config_of(self.settings, self.facts, data_dir=str(self.data_dir), **extra))
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text)
        return text

    def java(self, main: str, args: list[str], timeout: float, host: str | None = None,
             heap: str = TOOL_HEAP, level: str = "WARN") -> subprocess.CompletedProcess:
        """A Kafka tool as the stage scripts run it (kafka-run-class.sh <main> args), on this broker's host."""
        host = host or self.ns
        argv = ["java", heap, *JVM_OPTS, f"-Djava.io.tmpdir={self.host.tmp}",
                *log_config(self.settings.kafka.version, self.host.root, level), "-cp", self.cp, main, *args]
        return self.net.run(host, argv, timeout=timeout)

    def format(self) -> subprocess.CompletedProcess | None:
        """KRaft: format storage exactly as the kafka stage does; zookeeper mode needs none."""
        if self.settings.kafka.mode != "kraft":
            return None
        result = self.java(jars.MAIN_CLASSES["storage"], kafka.format_args(self.settings, config=str(self.config)),
                           timeout=120)
        if result.returncode != 0:
            raise BrokerError(f"StorageTool format failed ({result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def start(self, timeout: float = 90, attempts: int = 1, retry_delay: float = 5) -> float:
        """Start and wait until it serves clients. Like systemd's Restart=on-failure (RestartSec=5),
        retries a start that exits, at most `attempts` times. Returns seconds until ready."""
        self.host.tmp.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        deadline = began + timeout
        for attempt in range(1, attempts + 1):
            self.process.start()
            while time.monotonic() < deadline:
                if not self.process.alive():
                    break
                out = self.process.output()
                if self.ready(out):
                    return time.monotonic() - began
                time.sleep(0.3)
            if self.process.alive():
                self.process.kill9()
                raise BrokerError(f"broker not ready within {timeout}s:\n{self.process.tail()}")
            if attempt < attempts and time.monotonic() + retry_delay < deadline:
                time.sleep(retry_delay)
                continue
            raise BrokerError(f"broker exited (attempt {attempt}/{attempts}):\n{self.process.tail()}")
        raise BrokerError(f"broker did not start within {timeout}s:\n{self.process.tail()}")

    def ready(self, out: str | None = None) -> bool:
        """It logged that it serves clients and its client port answers."""
        out = self.process.output() if out is None else out
        logged = any(m in out for m in READY_MARKERS[:1]) or (READY_MARKERS[1] in out and READY_MARKERS[2] in out)
        return logged and self.net.port_open(self.ns, self.ip, kafka.CLIENT_PORT)

    def launch(self) -> None:
        """Start without waiting: a KRaft voter cannot get ready before a majority of its quorum runs."""
        self.host.tmp.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process.start()

    def kill9(self) -> None:
        self.process.kill9()

    def stop(self) -> None:
        self.process.stop()

    def topic_commands(self) -> list[list[str]]:
        """As the topics stage runs them on the broker host (the loopback listener with sasl_ssl)."""
        bootstrap = kafka_listeners.on_broker_bootstrap(self.settings, self.facts.private_ip, self.facts.node_id)
        return topics.topic_commands(self.settings, bootstrap)

    def create_topics(self) -> list[subprocess.CompletedProcess]:
        """Every argument list of the topics stage through Kafka's TopicCommand, on the broker host."""
        results = []
        for args in self.topic_commands():
            result = self.java(jars.MAIN_CLASSES["topics"], args, timeout=120)
            if result.returncode != 0:
                raise BrokerError(f"TopicCommand {' '.join(args)} failed ({result.returncode}):\n"
                                  f"{result.stdout}{result.stderr}")
            results.append(result)
        return results


def prepare(version: str, work: Path, hosts, net: Network) -> str:
    """Fresh host folders and network for a run; returns the release's classpath."""
    cp = jars.classpath(version)
    if work.exists():
        shutil.rmtree(work)
    for h in hosts:
        h.tmp.mkdir(parents=True)
    net.create()
    return cp


class Cluster:
    """Network + (ZooKeeper) + broker, set up from settings; the unit the tests and the bench use."""

    def __init__(self, settings: Settings, tag: str = "it", subnet: str = "10.213.0",
                 config_of: Callable[..., dict[str, object]] = kafka.server_properties, work: Path = WORK,
                 net: Network | None = None, provision: Callable[["Broker"], None] | None = None):
        self.config_of = config_of
        # What the deployment puts on the broker host besides the rendered files (its TLS material).
        self.provision = provision
        self.settings = settings
        self.version = settings.kafka.version
        self.net = net or Network(tag, subnet)
        self.work = work / tag / f"{settings.kafka.mode}-{self.version}"
        self.hosts = {h: Host(h, self.work / h) for h in self.net.hosts}
        self.cp = ""
        self.zookeeper: ZooKeeper | None = None
        self.broker: Broker | None = None

    def start(self) -> "Cluster":
        self.cp = prepare(self.version, self.work, self.hosts.values(), self.net)
        try:
            broker_host = self.hosts["broker"]
            if self.settings.kafka.mode == "zookeeper":
                self.zookeeper = ZooKeeper(self.net, broker_host, self.cp, self.version)
                self.zookeeper.render()
                self.zookeeper.start()
            self.broker = Broker(self.net, self.settings, broker_host, self.cp, config_of=self.config_of)
            self.broker.render()
            if self.provision:
                self.provision(self.broker)
            self.broker.format()
            self.broker.start()
        except BaseException:
            self.stop()
            raise
        return self

    def restart_broker(self, wipe_tmp: bool = False) -> dict[str, float]:
        """kill -9, optionally wipe the broker host's /tmp, start from the same config and data dir."""
        t0 = time.monotonic()
        self.broker.kill9()
        wiped = self.hosts["broker"].wipe_tmp() if wipe_tmp else 0
        # zookeeper mode: the dead broker's registration lingers until its session expires, so the
        # first starts may exit; systemd (Restart=on-failure, RestartSec=5) would retry like this.
        attempts = 8 if self.settings.kafka.mode == "zookeeper" else 1
        ready = self.broker.start(timeout=120, attempts=attempts)
        return {"down_s": time.monotonic() - t0, "ready_s": ready, "tmp_entries_wiped": wiped}

    def client(self, host: str, *args: str) -> list[str]:
        """`python -m tests.integration.client ...` inside a namespace."""
        return self.net.cmd(host, [sys.executable, "-m", "tests.integration.client", *args])

    def stop(self) -> None:
        for component in (self.broker, self.zookeeper):
            if component is not None:
                try:
                    component.stop()
                except Exception:  # noqa: BLE001 - teardown continues
                    pass
        self.net.destroy()


def env() -> dict[str, str]:
    """Environment for client subprocesses: the repo on sys.path."""
    e = dict(os.environ)
    e["PYTHONPATH"] = str(jars.ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    return e
