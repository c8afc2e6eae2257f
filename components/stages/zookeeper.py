"""ZooKeeper beside the broker, for `kafka.mode: zookeeper` with a 3.x release (the tutorial's
set-up). It listens on loopback only: the broker is its one client. Runs before the kafka stage,
so it installs the release itself."""
from __future__ import annotations

from components.settings import Settings
from components.stages.kafka import HOME as KAFKA_HOME, LOG_DIR as KAFKA_LOGS, release_env
from components.stages.plan import Facts, File, Plan, properties, service

NAME = "zookeeper"

CONFIG = "/etc/kafka/zookeeper.properties"
UNIT_FILE = "/etc/systemd/system/zookeeper.service"
DATA_DIR = "/var/lib/zookeeper"
PORT = 2181


def plan(settings: Settings, facts: Facts) -> Plan:
    return Plan(stage=NAME, files=(
        File(CONFIG, properties(zookeeper_properties())),
        File(UNIT_FILE, UNIT),
    ), env={**release_env(settings), "ZOOKEEPER_CONFIG": CONFIG, "ZOOKEEPER_DATA": DATA_DIR, "ZOOKEEPER_PORT": str(PORT),
            "KAFKA_LOGS": KAFKA_LOGS,
            "SERVICE_INPUTS": " ".join((CONFIG, UNIT_FILE, KAFKA_HOME))})


def zookeeper_properties(data_dir: str = DATA_DIR, address: str = "127.0.0.1") -> dict[str, object]:
    return {
        "dataDir": data_dir,
        "clientPort": PORT,
        "clientPortAddress": address,
        "maxClientCnxns": 60,
        "admin.enableServer": False,
        "tickTime": 2000,
    }


UNIT = service(
    "Apache ZooKeeper for the Kafka broker (kafka-pipeline)",
    after="network-online.target",
    user="kafka",
    service_keys={
        "Environment": ('"KAFKA_HEAP_OPTS=-Xmx256m -Xms256m"', f"LOG_DIR={KAFKA_LOGS}"),
        "ExecStart": f"{KAFKA_HOME}/bin/zookeeper-server-start.sh {CONFIG}",
        "RestartSec": "5",
    })
