"""What the producer and consumer share: a Logstash host whose pipeline knows the queue's bootstrap
servers through Pulumi outputs."""
from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import host
from components.platform.base import Host, HostSpec, Platform
from components.queue import Queue
from components.settings import Settings
from components.stages import base, logstash
from components.stages.plan import Facts
from components.tags import tags

# Before the producer's and consumer's pipelines were stages of their own, both were "pipeline".
FORMER_PIPELINE_STAGE = "pipeline"


@dataclass(frozen=True)
class LogstashHostArgs:
    settings: Settings
    platform: Platform
    queue: Queue
    student: str | None = None
    placement: int = 0


def build(component: pulumi.ComponentResource, name: str, role: str, instance_type: str, pipeline_stage: str,
          args: LogstashHostArgs) -> tuple[Host, Queue]:
    """The host, then its stages: the OS, the queue's admin stages if it has any left, Logstash, and
    the role's own pipeline stage. Returns the host and the queue as later pipelines see it."""
    settings = args.settings
    node = args.platform.host(HostSpec(name, role, instance_type, args.placement, tags(settings, role, args.student)),
                              parent=component)
    facts = args.queue.facts(lambda bootstrap, ca, seed: Facts(
        role=role, name=name, arch=node.arch, memory_mib=node.memory_mib, bootstrap=bootstrap, student=args.student,
        kafka_ca=ca, login_seed=seed))
    admin = args.queue.admin_stages
    commands = host.apply_stages(node, (base.NAME, *admin, logstash.NAME, pipeline_stage), facts,
                                 host.stage_plan(settings), component, former_stages={pipeline_stage: FORMER_PIPELINE_STAGE},
                                 waits={stage: args.queue.ready for stage in (*admin[:1], pipeline_stage)})
    return node, args.queue.administered(commands[len(admin)]) if admin else args.queue
