"""Topics, created idempotently with Kafka's own kafka-topics tool."""
from __future__ import annotations

from components.settings import Settings, all_topics
from components.stages.kafka import CLIENT_PORT, HOME
from components.stages.kafka_client import ADMIN_CONFIG
from components.stages.kafka_listeners import on_broker_bootstrap
from components.stages.plan import Facts, File, Plan

NAME = "topics"

ARGS_FILE = "/etc/kafka/topics.args"
# "name partitions" a line: what the stage compares with the broker to add partitions.
SIZES_FILE = "/etc/kafka/topics.partitions"
# A quorum's last broker may start minutes after the first (its host boots and installs Java later).
CLUSTER_TIMEOUT_S = 900


def plan(settings: Settings, facts: Facts) -> Plan:
    """On our first broker through its loopback listener; or, for a queue we do not run, on the
    pipeline host that administers it (kafka_client), through the queue's bootstrap servers."""
    on_broker = facts.role == "broker"
    bootstrap = on_broker_bootstrap(settings, facts.private_ip, facts.node_id) if on_broker else facts.bootstrap
    lines = "".join(" ".join(args) + "\n" for args in topic_commands(settings, bootstrap))
    cluster = " ".join(f"{ip}:{CLIENT_PORT}" for ip in facts.brokers or (facts.private_ip,)) if on_broker \
        else " ".join(facts.bootstrap.split(","))
    sizes = "".join(f"{t.name} {t.partitions}\n" for t in all_topics(settings))
    return Plan(stage=NAME, files=(File(ARGS_FILE, lines), File(SIZES_FILE, sizes)), env={
        "TOPIC_ARGS": ARGS_FILE,
        "TOPIC_SIZES": SIZES_FILE,
        "KAFKA_HOME": HOME,
        "BOOTSTRAP": bootstrap,
        "CLUSTER": cluster,
        "CLUSTER_TIMEOUT": str(CLUSTER_TIMEOUT_S),
        # The administrator's login, where the tools need one.
        "COMMAND_CONFIG": "" if on_broker else ADMIN_CONFIG,
    })


def topic_commands(settings: Settings, bootstrap: str) -> list[list[str]]:
    """One kafka-topics argument list per topic; topic names hold no spaces or quotes."""
    return [["--bootstrap-server", bootstrap, "--create", "--if-not-exists", "--topic", t.name,
             "--partitions", str(t.partitions), "--replication-factor", str(t.replication_factor)]
            for t in all_topics(settings)]
