"""Kafka's own command-line tools on a pipeline host, logged in as the queue's administrator: for a
queue whose brokers we do not run (Amazon MSK), the topics and grants stages run from here. The
pinned release is installed as on a broker, without a service; the administrator's login reaches
the host on stdin and lands in a root-only client properties file, never in the bundle."""
from __future__ import annotations

from components.logstash.pipelines import KafkaLogin, jaas_line
from components.settings import Settings
from components.stages import logins
from components.stages.kafka import release_env
from components.stages.plan import Facts, Plan

NAME = "kafka_client"

# The administrator's login: it makes the topics and grants; no pipeline logs in as it.
ADMIN = "admin"
ADMIN_CONFIG = "/etc/kafka/admin.properties"
ADMIN_JAAS_SECRET = "KAFKA_ADMIN_JAAS"


def admin_password(facts: Facts):
    if facts.login_seed is None:
        raise ValueError("the kafka_client stage needs the queue's login seed (Facts.login_seed)")
    return logins.password(facts.login_seed, ADMIN)


def plan(settings: Settings, facts: Facts) -> Plan:
    login = KafkaLogin(ADMIN, admin_password(facts), settings.kafka.sasl_mechanism, "", "")
    return Plan(stage=NAME, env={
        **release_env(settings),
        "ADMIN_CONFIG": ADMIN_CONFIG,
        "SASL_MECHANISM": settings.kafka.sasl_mechanism,
    }, secrets={ADMIN_JAAS_SECRET: jaas_line(login)})
