"""What the producer and consumer share: a Logstash host whose pipeline knows the brokers'
private IPs through Pulumi outputs."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import host
from components.platform import Host, Platform
from components.settings import Settings
from components.stages.plan import Facts
from components.tags import tags

STAGES = ("base", "logstash", "pipeline")


@dataclass(frozen=True)
class LogstashHostArgs:
    settings: Settings
    platform: Platform
    broker_ips: pulumi.Output[list[str]]
    student: str | None = None
    placement: int = 0


def build(component: pulumi.ComponentResource, name: str, role: str, instance_type: str,
          args: LogstashHostArgs) -> Host:
    settings = args.settings
    node = args.platform.host(name, role=role, instance_type=instance_type, placement=args.placement,
                              tags=tags(settings, role, args.student), parent=component)
    facts = args.broker_ips.apply(lambda ips: Facts(
        role=role, name=name, arch=node.arch, memory_mib=node.memory_mib, brokers=tuple(ips), student=args.student))
    host.apply_stages(node, STAGES, facts, host.stage_plan(settings), component)
    return node
