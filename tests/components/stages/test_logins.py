import dataclasses

import pytest

from components.errors import Secret
from components.stages import logins
from tests.components.stages.conftest import files

SEED = Secret("the stack's seed")


def secured(settings):
    return dataclasses.replace(settings, kafka=dataclasses.replace(settings.kafka, security="sasl_ssl"))


def test_the_producer_writes_its_topic_and_the_consumer_reads_its_topics_and_group(make_settings):
    settings = make_settings({"kafka": {"topics": [{"name": "twitter"}, {"name": "events"}]},
                              "consumer": {"topics": ["twitter", "events"], "groupId": "lab"}})
    assert logins.logins(settings) == (
        logins.Login("producer", (("--operation", "Write", "--operation", "Describe", "--topic", "twitter"),)),
        logins.Login("consumer", (("--operation", "Read", "--operation", "Describe", "--topic", "twitter"),
                                  ("--operation", "Read", "--operation", "Describe", "--topic", "events"),
                                  ("--operation", "Read", "--group", "lab"))),
    )


def test_each_student_gets_logins_fenced_to_their_own_topic_and_group(make_settings):
    found = {login.name: login.grants for login in logins.logins(make_settings({"students": ["alice", "bob"]}))}
    assert list(found) == ["producer-alice", "consumer-alice", "producer-bob", "consumer-bob"]
    assert found["producer-bob"] == (("--operation", "Write", "--operation", "Describe", "--topic", "twitter-bob"),)
    assert found["consumer-alice"] == (("--operation", "Read", "--operation", "Describe", "--topic", "twitter-alice"),
                                       ("--operation", "Read", "--group", "logstash-alice"))


def test_a_password_is_stable_per_seed_and_name_and_differs_otherwise():
    first = logins.password(SEED, "producer")
    assert first == logins.password(Secret("the stack's seed"), "producer")
    assert first != logins.password(SEED, "consumer")
    assert first != logins.password(Secret("another seed"), "producer")
    # 24 bytes of HMAC-SHA256, URL-safe base64: 32 characters Kafka's SCRAM syntax takes unquoted.
    assert len(first.value) == 32 and set(first.value) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert "producer" not in repr(first) and first.value not in repr(first)


def test_the_plan_sends_passwords_on_stdin_only(make_settings, broker):
    settings = secured(make_settings({"students": ["alice"]}))
    plan = logins.plan(settings, dataclasses.replace(broker, login_seed=SEED))
    assert set(plan.secrets) == {"producer-alice", "consumer-alice"}
    assert plan.secrets["consumer-alice"] == logins.password(SEED, "consumer-alice")
    shipped = "".join(plan.bundle().values())
    assert all(secret.value not in shipped for secret in plan.secrets.values())
    assert files(plan)[logins.ACLS_FILE] == (
        "producer-alice --operation Write --operation Describe --topic twitter-alice\n"
        "consumer-alice --operation Read --operation Describe --topic twitter-alice\n"
        "consumer-alice --operation Read --group logstash-alice\n")
    assert plan.env["BOOTSTRAP"] == "localhost:9094"
    assert plan.env["SCRAM_MECHANISM"] == "SCRAM-SHA-512"
    assert (plan.env["LOGIN_ACLS"], plan.env["LOGIN_STATE"]) == ("/etc/kafka/logins.acls",
                                                                 "/var/lib/kafka-pipeline/logins")
    assert next(f for f in plan.files if f.path == logins.ACLS_FILE).mode == "0600"


def test_without_a_seed_the_plan_says_what_is_missing(make_settings, broker):
    with pytest.raises(ValueError, match="login seed"):
        logins.plan(secured(make_settings()), broker)
