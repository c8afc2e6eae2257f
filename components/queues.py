"""Where the queue runs, chosen by `kafka.provider`: each kind builds what it needs and hands the
pipelines a Queue. `ours` creates the brokers (KafkaServer); `msk` an Amazon MSK cluster
(MskCluster); `existing` creates nothing and points the pipelines at a Kafka the user runs."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi

from components.kafka_server import KafkaServer, KafkaServerArgs
from components.platform.base import Platform
from components.queue import Queue
from components.settings import MSK, OWN_BROKERS, Settings

# The broker component's name: its hosts are kafka-server, kafka-server-2, ...
BROKER = "kafka-server"


@dataclass(frozen=True)
class Built:
    queue: Queue
    # Our brokers, when the stack runs them: what the broker exports (addresses, tunnels) describe.
    server: KafkaServer | None = None
    # What else the stack exports about its queue, by output name.
    exports: Mapping[str, pulumi.Input] = field(default_factory=dict)


def ours(settings: Settings, platform: Platform) -> Built:
    server = KafkaServer(BROKER, KafkaServerArgs(settings, platform))
    return Built(server.queue, server)


def existing(settings: Settings, platform: Platform) -> Built:
    # Settings refuse `existing` without bootstrap servers, and with sasl_ssl without every login.
    ca = settings.kafka.ca_certificate
    return Built(Queue(pulumi.Output.from_input(",".join(settings.kafka.bootstrap_servers)),
                       ca_certificate=pulumi.Output.from_input(ca) if ca else None))


def msk(settings: Settings, platform: Platform) -> Built:
    # Imported when chosen, as the AWS platform is: settings allow msk on that platform only.
    from components.msk_cluster import MskCluster, MskClusterArgs
    cluster = MskCluster(MSK_CLUSTER, MskClusterArgs(settings, platform))
    return Built(cluster.queue, exports={"mskClusterArn": cluster.arn})


# The MSK component's name, and its resources' prefix.
MSK_CLUSTER = "kafka-msk"

QUEUES: dict[str, Callable[[Settings, Platform], Built]] = {OWN_BROKERS: ours, MSK: msk, "existing": existing}
