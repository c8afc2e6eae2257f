"""LogstashConsumer: reads its topics from the brokers and hands events to the configured sink."""
from __future__ import annotations

import pulumi

from components import logstash_host
from components.logstash_host import LogstashHostArgs as LogstashConsumerArgs
from components.settings import consumer_topics, group_id
from components.stages import sink


class LogstashConsumer(pulumi.ComponentResource):
    address: pulumi.Output[str]
    topics: tuple[str, ...]
    group_id: str

    def __init__(self, name: str, args: LogstashConsumerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:LogstashConsumer", name, None, opts)
        node, _ = logstash_host.build(self, name, "consumer", args.settings.consumer.instance_type, sink.NAME, args)
        self.address = node.address
        self.topics = consumer_topics(args.settings, args.student)
        self.group_id = group_id(args.settings, args.student)
        self.register_outputs({"address": self.address, "topics": list(self.topics)})


__all__ = ["LogstashConsumer", "LogstashConsumerArgs"]
