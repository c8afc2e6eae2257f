"""ZooKeeper beside the broker, for `kafka.mode: zookeeper` with a 3.x release (the tutorial's
set-up). It listens on loopback only: the broker is its one client. Runs before the kafka stage,
so it installs the release itself."""
from __future__ import annotations

from components.settings import Settings
from components.stages.kafka import release_env
from components.stages.plan import Facts, File, Plan, properties

CONFIG = "/etc/kafka/zookeeper.properties"
DATA_DIR = "/var/lib/zookeeper"
PORT = 2181


def plan(settings: Settings, facts: Facts) -> Plan:
    return Plan(stage="zookeeper", files=(
        File(CONFIG, properties(zookeeper_properties())),
        File("/etc/systemd/system/zookeeper.service", UNIT),
    ), env={**release_env(settings), "ZOOKEEPER_CONFIG": CONFIG, "ZOOKEEPER_DATA": DATA_DIR, "ZOOKEEPER_PORT": str(PORT)})


def zookeeper_properties(data_dir: str = DATA_DIR, address: str = "127.0.0.1") -> dict[str, object]:
    return {
        "dataDir": data_dir,
        "clientPort": PORT,
        "clientPortAddress": address,
        "maxClientCnxns": 60,
        "admin.enableServer": False,
        "tickTime": 2000,
    }


UNIT = """[Unit]
Description=Apache ZooKeeper for the Kafka broker (kafka-pipeline)
Wants=network-online.target
After=network-online.target
Before=kafka.service

[Service]
User=kafka
Group=kafka
Environment=KAFKA_HEAP_OPTS=-Xmx256m -Xms256m
Environment=LOG_DIR=/var/log/kafka
ExecStart=/opt/kafka/bin/zookeeper-server-start.sh /etc/kafka/zookeeper.properties
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
"""
