"""The Logstash pipeline of a producer or consumer, rendered from data, checked by Logstash
itself before the service (re)starts; secrets reach it as environment, never as config text."""
from __future__ import annotations

from components.logstash import pipelines
from components.settings import Settings, student_topic
from components.stages.kafka import bootstrap_servers
from components.stages.logstash import HOME as LOGSTASH_HOME
from components.stages.plan import Facts, File, Plan

CONFIG = "/etc/logstash/conf.d/pipeline.conf"
SECRETS_FILE = "/etc/logstash/secrets.env"


def build(settings: Settings, facts: Facts) -> pipelines.Built:
    bootstrap = bootstrap_servers(facts.brokers)
    if facts.role == "producer":
        return pipelines.producer(settings, bootstrap, producer_topic(settings, facts.student))
    if facts.role == "consumer":
        return pipelines.consumer(settings, bootstrap, consumer_topics(settings, facts.student),
                                  group_id(settings, facts.student))
    raise ValueError(f"the pipeline stage runs on producers and consumers, not on a {facts.role}")


def plan(settings: Settings, facts: Facts) -> Plan:
    built = build(settings, facts)
    return Plan(stage="pipeline", files=(File(CONFIG, built.text(), "0640", "root:logstash"),), env={
        "PIPELINE_CONFIG": CONFIG,
        "LOGSTASH_HOME": LOGSTASH_HOME,
        # Plugins live inside the release's folder: a new Logstash release needs them installed again.
        "LOGSTASH_VERSION": settings.logstash.version,
        "PIPELINE_PLUGINS": " ".join(built.install),
        "SECRETS_FILE": SECRETS_FILE,
        "SECRET_COUNT": str(len(built.secrets)),
    }, secrets=built.secrets)


def producer_topic(settings: Settings, student: str | None) -> str:
    return student_topic(settings.producer.topic, student) if student else settings.producer.topic


def consumer_topics(settings: Settings, student: str | None) -> tuple[str, ...]:
    return (producer_topic(settings, student),) if student else settings.consumer.topics


def group_id(settings: Settings, student: str | None) -> str:
    return f"{settings.consumer.group_id}-{student}" if student else settings.consumer.group_id
