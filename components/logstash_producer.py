"""LogstashProducer: reads the configured source and writes to the topic on the brokers."""
from __future__ import annotations

import pulumi

from components import logstash_host
from components.logstash_host import LogstashHostArgs as LogstashProducerArgs
from components.queue import Queue
from components.settings import producer_topic
from components.stages import source


class LogstashProducer(pulumi.ComponentResource):
    address: pulumi.Output[str]
    topic: str
    # The queue as the pipelines built after this one see it (administered, if this host did it).
    queue: Queue

    def __init__(self, name: str, args: LogstashProducerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:LogstashProducer", name, None, opts)
        node, self.queue = logstash_host.build(self, name, "producer", args.settings.producer.instance_type,
                                               source.NAME, args)
        self.address = node.address
        self.topic = producer_topic(args.settings, args.student)
        self.register_outputs({"address": self.address, "topic": self.topic})


__all__ = ["LogstashProducer", "LogstashProducerArgs"]
