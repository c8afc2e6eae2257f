"""A headless Java runtime for Kafka (Logstash ships its own)."""
from __future__ import annotations

from components.settings import Settings
from components.stages.plan import Facts, Plan

# Kafka 4.x brokers need Java 17 or newer; 17 also runs the 3.x releases we pin.
PACKAGE = "java-17-amazon-corretto-headless"


def plan(settings: Settings, facts: Facts) -> Plan:
    return Plan(stage="java", env={"JAVA_PACKAGE": PACKAGE})
