"""The Kafka broker: install the pinned release, render server.properties from data, format
KRaft storage once, run it under systemd with data in /var/lib/kafka."""
from __future__ import annotations

import base64
import hashlib
import itertools

from components import releases
from components.settings import Settings
from components.stages.kafka_listeners import (CLIENT_PORT, CONTROLLER_PORT, KEYSTORE_FILE, OPERATOR_PORT, TLS_DIR,
                                               TRUSTSTORE_FILE, listeners, on_broker_bootstrap,
                                               operator_port)
from components.stages.plan import DOWNLOAD_CACHE, Facts, File, Plan, properties, service

NAME = "kafka"

HOME = "/opt/kafka"
# The kafka user's home; the data and ZooKeeper's live under it.
STATE_DIR = "/var/lib/kafka"
LOG_DIR = "/var/log/kafka"
CONFIG = "/etc/kafka/server.properties"
ENV_FILE = "/etc/kafka/kafka.env"
UNIT_FILE = "/etc/systemd/system/kafka.service"
DATA_DIR = f"{STATE_DIR}/data"
ZOOKEEPER_CONNECT = "127.0.0.1:2181"


KEYSTORE = f"{TLS_DIR}/{KEYSTORE_FILE}"
TRUSTSTORE = f"{TLS_DIR}/{TRUSTSTORE_FILE}"
KEYSTORE_SECRET = "KAFKA_KEYSTORE"


def plan(settings: Settings, facts: Facts) -> Plan:
    heap = heap_mb(settings, facts)
    secured = settings.kafka.security == "sasl_ssl"
    if secured and (facts.tls_keystore is None or not facts.kafka_ca):
        raise ValueError("a broker with kafka.security sasl_ssl needs Facts.tls_keystore and Facts.kafka_ca")
    files = (
        File(CONFIG, properties(server_properties(settings, facts))),
        File(ENV_FILE, f'KAFKA_HEAP_OPTS="-Xms{heap}m -Xmx{heap}m"\n'),
        File(UNIT_FILE, unit(settings)),
        *((File(TRUSTSTORE, facts.kafka_ca),) if secured else ()),
    )
    # The key never travels as a file of the bundle: kafka.sh writes it from stdin, root:kafka 0640.
    tls_inputs = (TRUSTSTORE, KEYSTORE) if secured else ()
    return Plan(stage=NAME, files=files, secrets={KEYSTORE_SECRET: facts.tls_keystore} if secured else {}, env={
        **release_env(settings),
        "KAFKA_VERSION": settings.kafka.version,
        "KAFKA_CONFIG": CONFIG,
        "KAFKA_DATA": DATA_DIR,
        "KAFKA_MODE": settings.kafka.mode,
        "KAFKA_FORMAT_ARGS": " ".join(format_args(settings)) if settings.kafka.mode == "kraft" else "",
        "KAFKA_LOGS": LOG_DIR,
        "KAFKA_WAIT": f"{facts.private_ip}:{ready_port(settings)}",
        # What the broker runs from: a change to any restarts it, nothing else does.
        "SERVICE_INPUTS": " ".join((CONFIG, ENV_FILE, UNIT_FILE, *tls_inputs, HOME)),
        "KAFKA_KEYSTORE_FILE": KEYSTORE if secured else "",
    })


def ready_port(settings: Settings) -> int:
    """The port that proves this node started. A broker of a quorum serves clients only once a
    majority of controllers runs, which may be minutes away on a first deploy; its controller port
    opens at once. The topics stage then waits for the whole cluster."""
    return CONTROLLER_PORT if settings.kafka.brokers > 1 else CLIENT_PORT


def release_env(settings: Settings) -> dict[str, str]:
    """What a stage needs to install the pinned release (ZooKeeper ships inside it too)."""
    return {
        "KAFKA_URL": releases.kafka_archive(settings.kafka.version, settings.kafka.download_url),
        "KAFKA_SHA512": settings.kafka.sha512 or releases.KAFKA[settings.kafka.version].sha512,
        "KAFKA_HOME": HOME,
        # Each release in a folder of its own, linked as HOME: a new one leaves the old in place.
        "KAFKA_RELEASE_DIR": f"{HOME}-{settings.kafka.version}",
        "KAFKA_STATE": STATE_DIR,
        "DOWNLOAD_CACHE": DOWNLOAD_CACHE,
    }


def max_heap_mb(memory_mib: int) -> int:
    """The most heap a broker may have: the OS and Kafka's page cache need the rest."""
    return memory_mib - 512


def heap_mb(settings: Settings, facts: Facts) -> int:
    """A quarter of the host's memory, within 256 MiB..6 GiB: Kafka lives on the page cache."""
    if settings.kafka.heap_mb:
        return settings.kafka.heap_mb
    return max(256, min(6144, facts.memory_mib // 4))


def cluster_id(settings: Settings) -> str:
    """Stable per stack, so re-running the stage never formats storage for another cluster. Never
    starting with '-', which kafka-storage's argument parser reads as an option (Kafka's own
    Uuid.randomUuid draws again for the same reason); about one stack name in 64 hashed to one."""
    name = f"{settings.project}/{settings.stack}"
    for attempt in itertools.count():
        digest = hashlib.sha256((name if attempt == 0 else f"{name}#{attempt}").encode()).digest()[:16]
        text = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def format_args(settings: Settings, config: str = CONFIG) -> list[str]:
    """Arguments of `kafka-storage.sh` (kafka.tools.StorageTool) that prepare KRaft storage once."""
    return ["format", "--cluster-id", cluster_id(settings), "--config", config, "--ignore-formatted"]


def bootstrap_servers(brokers: tuple[str, ...]) -> str:
    return ",".join(f"{ip}:{CLIENT_PORT}" for ip in brokers)


def operator_bootstrap(brokers: int) -> str:
    """What the operator's tools dial once the tunnels are open."""
    return ",".join(f"localhost:{operator_port(n)}" for n in range(1, brokers + 1))


def server_properties(settings: Settings, facts: Facts, data_dir: str = DATA_DIR, tls_dir: str = TLS_DIR
                      ) -> dict[str, object]:
    brokers = settings.kafka.brokers
    replicated = min(3, brokers)
    props: dict[str, object] = {
        "log.dirs": data_dir,
        "num.partitions": 1,
        "auto.create.topics.enable": False,
        "default.replication.factor": replicated,
        "offsets.topic.replication.factor": replicated,
        "transaction.state.log.replication.factor": replicated,
        "transaction.state.log.min.isr": 2 if brokers >= 3 else 1,
        "min.insync.replicas": 2 if brokers >= 3 else 1,
        # Never elect a replica that missed acknowledged writes.
        "unclean.leader.election.enable": False,
        "group.initial.rebalance.delay.ms": 0,
        "log.retention.hours": 168,
        **listeners(settings, facts, tls_dir),
    }
    if int(settings.kafka.version.split(".")[0]) >= 4:
        # Share groups (4.x) keep state in an internal topic that defaults to 3 replicas.
        props["share.coordinator.state.topic.replication.factor"] = replicated
        props["share.coordinator.state.topic.min.isr"] = 2 if brokers >= 3 else 1
    if settings.kafka.mode == "kraft":
        voters = facts.brokers or (facts.private_ip,)
        props.update({
            "process.roles": "broker,controller",
            "node.id": facts.node_id,
            "controller.quorum.voters": ",".join(f"{i}@{ip}:{CONTROLLER_PORT}" for i, ip in enumerate(voters, 1)),
            "controller.listener.names": "CONTROLLER",
        })
    else:
        props.update({
            "broker.id": facts.node_id,
            "zookeeper.connect": ZOOKEEPER_CONNECT,
            "zookeeper.connection.timeout.ms": 18000,
        })
    return props


def unit(settings: Settings) -> str:
    return service(
        "Apache Kafka broker (kafka-pipeline)",
        after="network-online.target zookeeper.service" if settings.kafka.mode == "zookeeper" else "network-online.target",
        user="kafka",
        service_keys={
            "EnvironmentFile": ENV_FILE,
            "Environment": f"LOG_DIR={LOG_DIR}",
            "ExecStart": f"{HOME}/bin/kafka-server-start.sh {CONFIG}",
            "RestartSec": "5",
            "LimitNOFILE": "100000",
            "TimeoutStopSec": "120",
        })
