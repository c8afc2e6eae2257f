"""The pipeline host that administers a queue we do not run (MSK): Kafka's tools and the
administrator's login, which reaches the host as a secret only; the topics and grants stages run
there through it."""
from __future__ import annotations

import pytest

from components.errors import Secret
from components.stages import kafka_client, logins, topics
from components.stages.plan import Facts

SEED = Secret("seed")
ADMIN_HOST = Facts(role="producer", name="kafka-producer", bootstrap="b-1.msk:9096,b-2.msk:9096", login_seed=SEED)


def env_of(plan) -> dict[str, str]:
    return dict(plan.env)


def test_the_administrators_login_travels_as_a_secret_never_in_the_bundle(make_settings):
    plan = kafka_client.plan(make_settings({"kafka": {"provider": "msk"}}), ADMIN_HOST)
    password = logins.password(SEED, "admin").value
    assert plan.secrets[kafka_client.ADMIN_JAAS_SECRET].value == (
        f'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="{password}";')
    assert password not in "".join(plan.bundle().values())
    assert env_of(plan)["ADMIN_CONFIG"] == kafka_client.ADMIN_CONFIG and env_of(plan)["SASL_MECHANISM"] == "SCRAM-SHA-512"
    # The tools are the release our own brokers would run, pinned and verified the same way.
    assert env_of(plan)["KAFKA_URL"].endswith(".tgz") and len(env_of(plan)["KAFKA_SHA512"]) == 128


def test_without_the_seed_it_says_what_is_missing(make_settings):
    with pytest.raises(ValueError, match="login seed"):
        kafka_client.plan(make_settings({"kafka": {"provider": "msk"}}), Facts(role="producer", bootstrap="b:9096"))


def test_topics_are_made_through_the_queues_servers_with_the_administrators_login(make_settings):
    env = env_of(topics.plan(make_settings({"kafka": {"provider": "msk"}}), ADMIN_HOST))
    assert env["BOOTSTRAP"] == ADMIN_HOST.bootstrap and env["CLUSTER"] == "b-1.msk:9096 b-2.msk:9096"
    assert env["COMMAND_CONFIG"] == kafka_client.ADMIN_CONFIG


def test_on_our_broker_topics_need_no_login(make_settings, broker):
    assert env_of(topics.plan(make_settings(), broker))["COMMAND_CONFIG"] == ""
