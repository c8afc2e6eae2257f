"""Where the queue runs, chosen by `kafka.provider`: each kind builds what it needs and hands the
pipelines a Queue. `ours` creates the brokers (KafkaServer); `existing` creates nothing and points
the pipelines at a Kafka the user runs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi

from components.kafka_server import KafkaServer, KafkaServerArgs
from components.platform.base import Platform
from components.queue import Queue
from components.settings import OWN_BROKERS, Settings

# The broker component's name: its hosts are kafka-server, kafka-server-2, ...
BROKER = "kafka-server"


@dataclass(frozen=True)
class Built:
    queue: Queue
    # Our brokers, when the stack runs them: what the broker exports (addresses, tunnels) describe.
    server: KafkaServer | None = None


def ours(settings: Settings, platform: Platform) -> Built:
    server = KafkaServer(BROKER, KafkaServerArgs(settings, platform))
    return Built(server.queue, server)


def existing(settings: Settings, platform: Platform) -> Built:
    # Settings refuse `existing` without bootstrap servers, and with sasl_ssl without every login.
    ca = settings.kafka.ca_certificate
    return Built(Queue(pulumi.Output.from_input(",".join(settings.kafka.bootstrap_servers)),
                       ca_certificate=pulumi.Output.from_input(ca) if ca else None))


QUEUES: dict[str, Callable[[Settings, Platform], Built]] = {OWN_BROKERS: ours, "existing": existing}
