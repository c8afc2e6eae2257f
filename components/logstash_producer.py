"""LogstashProducer: reads the configured source and writes to the topic on the brokers."""
from __future__ import annotations

import pulumi

from components import logstash_host
from components.logstash_host import LogstashHostArgs as LogstashProducerArgs
from components.stages.pipeline import producer_topic


class LogstashProducer(pulumi.ComponentResource):
    public_ip: pulumi.Output[str]
    private_ip: pulumi.Output[str]
    topic: str

    def __init__(self, name: str, args: LogstashProducerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:LogstashProducer", name, None, opts)
        instance = logstash_host.build(self, name, "producer", args.settings.producer.instance_type, args)
        self.public_ip = instance.public_ip
        self.private_ip = instance.private_ip
        self.topic = producer_topic(args.settings, args.student)
        self.register_outputs({"publicIp": self.public_ip, "topic": self.topic})


__all__ = ["LogstashProducer", "LogstashProducerArgs"]
