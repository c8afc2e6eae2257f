"""The producer's pipeline: the configured source into the producer's topic on the queue."""
from __future__ import annotations

from components.logstash import pipelines
from components.settings import Settings, producer_topic
from components.stages import pipeline_files
from components.stages.plan import Facts, Plan

NAME = "source"


def plan(settings: Settings, facts: Facts) -> Plan:
    p = settings.producer
    login = pipeline_files.kafka_login(settings, facts, "producer")
    built = pipelines.producer(p.source, facts.bootstrap, producer_topic(settings, facts.student),
                               p.acks, p.compression, login)
    return pipeline_files.plan(NAME, settings, built, login, facts.kafka_ca)
