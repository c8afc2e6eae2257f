"""KafkaServer: the queue. One broker, or three in different availability zones forming one
KRaft quorum; each host gets Java, Kafka (and ZooKeeper in the tutorial's mode) and the topics."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import host
from components.network import Network
from components.settings import Settings
from components.stages.kafka import bootstrap_servers
from components.stages.plan import Facts
from components.tags import tags


@dataclass(frozen=True)
class KafkaServerArgs:
    settings: Settings
    network: Network
    catalog: host.Catalog


class KafkaServer(pulumi.ComponentResource):
    private_ips: pulumi.Output[list[str]]
    public_ips: pulumi.Output[list[str]]
    bootstrap_servers: pulumi.Output[str]

    def __init__(self, name: str, args: KafkaServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:KafkaServer", name, None, opts)
        settings, network = args.settings, args.network
        machine = args.catalog.machine(settings.kafka.instance_type)
        count = settings.kafka.brokers
        instances = [
            host.create_instance(_node_name(name, i, count), host.HostArgs(
                role="broker", machine=machine, ami=args.catalog.ami(machine.arch),
                subnet_id=network.subnet_ids[i % len(network.subnet_ids)],
                security_group_id=network.security_group_id, key_name=network.key_name,
                private_key=network.private_key, tags=tags(settings, "broker")), parent=self)
            for i in range(count)
        ]
        self.private_ips = pulumi.Output.all(*[i.private_ip for i in instances])
        self.public_ips = pulumi.Output.all(*[i.public_ip for i in instances])
        self.bootstrap_servers = self.private_ips.apply(lambda ips: bootstrap_servers(tuple(ips)))

        stages = ["base", "java", *(["zookeeper"] if settings.kafka.mode == "zookeeper" else []), "kafka"]
        plan_for = host.stage_plan(settings)
        facts = [self.private_ips.apply(lambda ips, i=i: Facts(
            role="broker", arch=machine.arch, memory_mib=machine.memory_mib,
            private_ip=ips[i], brokers=tuple(ips), node_id=i + 1)) for i in range(count)]
        running = [host.apply_stages(_node_name(name, i, count), stages, facts[i], plan_for, instance,
                                     network.private_key, self)[-1]
                   for i, instance in enumerate(instances)]
        # Topics once, from the first broker, after every broker of the quorum runs.
        host.apply_stages(_node_name(name, 0, count), ["topics"], facts[0], plan_for, instances[0],
                          network.private_key, self, after=running)
        self.register_outputs({"privateIps": self.private_ips, "publicIps": self.public_ips,
                               "bootstrapServers": self.bootstrap_servers})


def _node_name(name: str, index: int, count: int) -> str:
    return name if count == 1 else f"{name}-{index + 1}"
