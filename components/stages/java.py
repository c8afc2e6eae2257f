"""A headless Java runtime for Kafka (Logstash ships its own). Kafka 4.x brokers need Java 17 or
newer; each OS names its package per architecture
(components/oses.py)."""
from __future__ import annotations

from components.settings import Settings
from components.stages.plan import Facts, Plan, package_env

NAME = "java"


def plan(settings: Settings, facts: Facts) -> Plan:
    return Plan(stage=NAME, env={**package_env(settings), "JAVA_PACKAGE": settings.os.java_packages[facts.arch]})
