"""Topics, created idempotently on the broker with Kafka's own kafka-topics tool."""
from __future__ import annotations

from components.settings import Settings, all_topics
from components.stages.kafka import CLIENT_PORT, HOME
from components.stages.kafka_listeners import on_broker_bootstrap
from components.stages.plan import Facts, File, Plan

NAME = "topics"

ARGS_FILE = "/etc/kafka/topics.args"
# "name partitions" a line: what the stage compares with the broker to add partitions.
SIZES_FILE = "/etc/kafka/topics.partitions"
# A quorum's last broker may start minutes after the first (its host boots and installs Java later).
CLUSTER_TIMEOUT_S = 900


def plan(settings: Settings, facts: Facts) -> Plan:
    bootstrap = on_broker_bootstrap(settings, facts.private_ip, facts.node_id)
    lines = "".join(" ".join(args) + "\n" for args in topic_commands(settings, bootstrap))
    brokers = facts.brokers or (facts.private_ip,)
    sizes = "".join(f"{t.name} {t.partitions}\n" for t in all_topics(settings))
    return Plan(stage=NAME, files=(File(ARGS_FILE, lines), File(SIZES_FILE, sizes)), env={
        "TOPIC_ARGS": ARGS_FILE,
        "TOPIC_SIZES": SIZES_FILE,
        "KAFKA_HOME": HOME,
        "BOOTSTRAP": bootstrap,
        "CLUSTER": " ".join(f"{ip}:{CLIENT_PORT}" for ip in brokers),
        "CLUSTER_TIMEOUT": str(CLUSTER_TIMEOUT_S),
    })


def topic_commands(settings: Settings, bootstrap: str) -> list[list[str]]:
    """One kafka-topics argument list per topic; topic names hold no spaces or quotes."""
    return [["--bootstrap-server", bootstrap, "--create", "--if-not-exists", "--topic", t.name,
             "--partitions", str(t.partitions), "--replication-factor", str(t.replication_factor)]
            for t in all_topics(settings)]
