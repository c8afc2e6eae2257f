"""KafkaServer: the queue. One broker, or three in different availability zones forming one
KRaft quorum; each host gets Java, Kafka (and ZooKeeper in the tutorial's mode) and the topics."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import host
from components.errors import Secret
from components.kafka_authority import KafkaAuthority
from components.platform.base import Host, HostSpec, Platform
from components.queue import Queue
from components.settings import Settings, all_topics, partitions_key
from components.stages import base, java, kafka, logins, topics, zookeeper
from components.stages.plan import Facts
from components.tags import tags
from components.topic_partitions import TopicPartitions


@dataclass(frozen=True)
class KafkaServerArgs:
    settings: Settings
    platform: Platform


class KafkaServer(pulumi.ComponentResource):
    private_ips: pulumi.Output[list[str]]
    addresses: pulumi.Output[list[str]]
    bootstrap_servers: pulumi.Output[str]
    queue: Queue

    def __init__(self, name: str, args: KafkaServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kafka-pipeline:index:KafkaServer", name, None, opts)
        settings = args.settings
        count = settings.kafka.brokers
        nodes = [args.platform.host(HostSpec(node_name(name, i), "broker", settings.kafka.instance_type, placement=i,
                                             tags=tags(settings, "broker"), former_name=former_name(name, i, count)),
                                    parent=self)
                 for i in range(count)]
        self.private_ips = pulumi.Output.all(*[n.private_ip for n in nodes])
        self.addresses = pulumi.Output.all(*[n.address for n in nodes])
        self.bootstrap_servers = self.private_ips.apply(lambda ips: kafka.bootstrap_servers(tuple(ips)))
        secured = settings.kafka.security == "sasl_ssl"
        authority = KafkaAuthority(f"{name}-authority", settings.stack, pulumi.ResourceOptions(parent=self)) \
            if secured else None
        stages = [base.NAME, java.NAME, *([zookeeper.NAME] if settings.kafka.mode == "zookeeper" else []), kafka.NAME]
        plan_for = host.stage_plan(settings)
        facts = [broker_facts(n, i, self.private_ips, authority) for i, n in enumerate(nodes)]
        running = [host.apply_stages(node, stages, facts[i], plan_for, self)[-1] for i, node in enumerate(nodes)]
        # Refused at preview when a topic would shrink; the topics stage then adds partitions.
        partitions = TopicPartitions(f"{name}-partitions", {
            t.name: {"partitions": t.partitions, "key": partitions_key(settings, t.name)} for t in all_topics(settings)
        }, opts=pulumi.ResourceOptions(parent=self))
        # Topics (and the clients' logins) once, from the first broker, after every broker of the quorum runs.
        made = host.apply_stages(nodes[0], [topics.NAME, *([logins.NAME] if secured else [])], facts[0], plan_for, self,
                                 after=[*running, partitions])
        self.queue = Queue(self.bootstrap_servers, *((authority.ca_certificate, authority.login_seed) if authority
                                                     else ()), ready=made[-1:] if secured else ())
        self.register_outputs({"privateIps": self.private_ips, "addresses": self.addresses,
                               "bootstrapServers": self.bootstrap_servers})


def broker_facts(node: Host, index: int, private_ips: pulumi.Output[list[str]],
                 authority: KafkaAuthority | None) -> pulumi.Output[Facts]:
    """What broker `index` knows: its peers and, with sasl_ssl, its key store, the CA and the seed."""
    def facts(ips: list[str], keystore: str | None = None, ca: str = "", seed: str | None = None) -> Facts:
        return Facts(role="broker", name=node.name, arch=node.arch, memory_mib=node.memory_mib, private_ip=ips[index],
                     brokers=tuple(ips), node_id=index + 1, kafka_ca=ca,
                     tls_keystore=Secret(keystore) if keystore is not None else None,
                     login_seed=Secret(seed) if seed is not None else None)
    if authority is None:
        return private_ips.apply(facts)
    own = authority.broker(node.name, node.private_ip)
    return pulumi.Output.all(private_ips, own.keystore, authority.ca_certificate, authority.login_seed).apply(
        lambda v: facts(*v))


def node_name(name: str, index: int) -> str:
    """The first broker keeps the component's name whatever the count; more are -2, -3."""
    return name if index == 0 else f"{name}-{index + 1}"


def former_name(name: str, index: int, count: int) -> str | None:
    """The first broker of a quorum was once called <name>-1."""
    return f"{name}-1" if index == 0 and count > 1 else None
