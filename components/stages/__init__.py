"""Stages: Pulumi-free units that turn settings and host facts into a Plan. The registry's keys
are the stage names; a component lists the stages its host runs, in order."""
from __future__ import annotations

from collections.abc import Callable

from components.settings import Settings
from components.stages import base, java, kafka, logstash, pipeline, topics, zookeeper
from components.stages.plan import Facts, Plan

Stage = Callable[[Settings, Facts], Plan]

STAGES: dict[str, Stage] = {
    "base": base.plan,
    "java": java.plan,
    "zookeeper": zookeeper.plan,
    "kafka": kafka.plan,
    "topics": topics.plan,
    "logstash": logstash.plan,
    "pipeline": pipeline.plan,
}
