"""Stages: Pulumi-free units that turn settings and host facts into a Plan. Each is a module with
its NAME and a plan(settings, facts); the registry is built from the modules listed here, and a
component lists the stages its host runs, in order."""
from __future__ import annotations

from collections.abc import Callable

from components.settings import Settings
from components.stages import (base, grants, java, kafka, kafka_client, logins, logstash, sink, source, topics,
                               zookeeper)
from components.stages.plan import Facts, Plan

Stage = Callable[[Settings, Facts], Plan]

STAGES: dict[str, Stage] = {m.NAME: m.plan for m in (base, java, zookeeper, kafka, topics, logins, kafka_client, grants,
                                                     logstash, source, sink)}
