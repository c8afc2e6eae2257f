"""What the producer and consumer share: a Logstash host whose pipeline knows the brokers'
private IPs through Pulumi outputs."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import host
from components.network import Network
from components.settings import Settings
from components.stages.plan import Facts
from components.tags import tags

STAGES = ("base", "logstash", "pipeline")


@dataclass(frozen=True)
class LogstashHostArgs:
    settings: Settings
    network: Network
    catalog: host.Catalog
    broker_ips: pulumi.Output[list[str]]
    student: str | None = None
    subnet_index: int = 0


def build(component: pulumi.ComponentResource, name: str, role: str, instance_type: str,
          args: LogstashHostArgs):
    settings, network = args.settings, args.network
    machine = args.catalog.machine(instance_type)
    instance = host.create_instance(name, host.HostArgs(
        role=role, machine=machine, ami=args.catalog.ami(machine.arch),
        subnet_id=network.subnet_ids[args.subnet_index % len(network.subnet_ids)],
        security_group_id=network.security_group_id, key_name=network.key_name,
        private_key=network.private_key, tags=tags(settings, role, args.student)), parent=component)
    facts = args.broker_ips.apply(lambda ips: Facts(
        role=role, arch=machine.arch, memory_mib=machine.memory_mib, brokers=tuple(ips), student=args.student))
    host.apply_stages(name, STAGES, facts, host.stage_plan(settings), instance, network.private_key, component)
    return instance
