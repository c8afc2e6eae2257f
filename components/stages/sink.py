"""The consumer's pipeline: its topics from the queue into the configured sink."""
from __future__ import annotations

from components.logstash import pipelines
from components.settings import Settings, all_topics, consumer_topics, group_id
from components.stages import pipeline_files
from components.stages.plan import Facts, Plan

NAME = "sink"


def plan(settings: Settings, facts: Facts) -> Plan:
    topics = consumer_topics(settings, facts.student)
    sizes = {t.name: t.partitions for t in all_topics(settings)}
    login = pipeline_files.kafka_login(settings, facts, "consumer")
    built = pipelines.consumer(settings.consumer.sink, facts.bootstrap, topics,
                               group_id(settings, facts.student), settings.consumer.auto_offset_reset,
                               sum(sizes.get(t, 1) for t in topics), login)
    return pipeline_files.plan(NAME, settings, built, login, facts.kafka_ca)
