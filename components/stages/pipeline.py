"""The Logstash pipeline of a producer or consumer, rendered from data, checked by Logstash
itself before the service (re)starts; secrets reach it as environment, never as config text."""
from __future__ import annotations

from components.logstash import pipelines
from components.settings import Settings, student_topic
from components.stages.kafka import bootstrap_servers
from components.stages import logstash
from components.stages.plan import Facts, File, Plan

CONFIG = f"{logstash.CONFIG_DIR}/pipeline.conf"
SECRETS_FILE = f"{logstash.SETTINGS_DIR}/secrets.env"
# The Logstash plugins this pipeline needs, one a line: a changed list restarts the service.
PLUGINS_FILE = f"{logstash.SETTINGS_DIR}/plugins.list"


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
    return Plan(stage="pipeline", files=(
        File(CONFIG, built.text(), "0640", "root:logstash"),
        File(PLUGINS_FILE, "".join(f"{name}\n" for name in built.install)),
    ), env={
        "PIPELINE_CONFIG": CONFIG,
        "LOGSTASH_HOME": logstash.HOME,
        "CHECK_JAVA_OPTS": logstash.CHECK_JAVA_OPTS,
        # What Logstash runs from, whichever stage placed it: a change to any restarts it.
        "SERVICE_INPUTS": " ".join((logstash.SETTINGS_FILE, logstash.ENV_FILE, logstash.JVM_OPTIONS, logstash.UNIT_FILE,
                                    CONFIG, SECRETS_FILE, PLUGINS_FILE, logstash.HOME)),
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
