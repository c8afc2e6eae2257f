"""kafka.security sasl_ssl as the producer's and consumer's pipelines render it: each logs in with its
own SCRAM login, trusts the stack's CA, and no password reaches the pipeline file or the bundle."""
import dataclasses

import pytest

from components.errors import Secret
from components.logstash.lscl import Ref
from components.logstash.parse import parse
from components.stages import logins, pipeline_files, sink, source
from components.stages.plan import Facts
from tests.components.stages.conftest import PLAINTEXT, files

SEED = Secret("seed")
CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def secured(settings):
    return dataclasses.replace(settings, kafka=dataclasses.replace(settings.kafka, security="sasl_ssl"))


def facts(role: str, student: str | None = "alice") -> Facts:
    return Facts(role=role, bootstrap="10.0.0.5:9092", student=student, login_seed=SEED, kafka_ca=CA)


def kafka_block(plan, role: str) -> dict:
    pipeline = parse(files(plan)[pipeline_files.CONFIG])
    block = pipeline.outputs[-1] if role == "producer" else pipeline.inputs[0]
    assert block.name == "kafka"
    return dict(block.options)


def test_the_producer_logs_in_as_itself_through_a_jaas_file(make_settings):
    plan = source.plan(secured(make_settings({"students": ["alice"]})), facts("producer"))
    options = kafka_block(plan, "producer")
    assert {k: options[k] for k in ("security_protocol", "sasl_mechanism", "ssl_truststore_type",
                                    "ssl_truststore_location", "jaas_path")} == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "ssl_truststore_type": "PEM",
        "ssl_truststore_location": "/etc/logstash/kafka-ca.pem", "jaas_path": "/etc/logstash/kafka-client.jaas"}
    assert "sasl_jaas_config" not in options
    password = logins.password(SEED, "producer-alice").value
    assert plan.secrets["KAFKA_SASL_JAAS_CONFIG"].value == (
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="producer-alice" '
        f'password="{password}";')
    assert plan.env["KAFKA_JAAS_WANTED"] == "1" and plan.env["KAFKA_JAAS_FILE"] == "/etc/logstash/kafka-client.jaas"
    assert password not in "".join(plan.bundle().values())


def test_the_consumer_takes_its_login_from_the_secrets_file(make_settings):
    plan = sink.plan(secured(make_settings({"students": ["alice"]})), facts("consumer"))
    options = kafka_block(plan, "consumer")
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_jaas_config"] == Ref("KAFKA_SASL_JAAS_CONFIG")
    assert "jaas_path" not in options
    assert 'username="consumer-alice"' in plan.secrets["KAFKA_SASL_JAAS_CONFIG"].value
    assert plan.env["KAFKA_JAAS_WANTED"] == "0"
    assert logins.password(SEED, "consumer-alice").value not in "".join(plan.bundle().values())


@pytest.mark.parametrize("stage, role", [(source, "producer"), (sink, "consumer")])
def test_the_stacks_ca_is_placed_and_its_change_restarts_logstash(make_settings, stage, role):
    plan = stage.plan(secured(make_settings()), facts(role, None))
    placed = next(f for f in plan.files if f.path == pipeline_files.KAFKA_CA)
    assert (placed.content, placed.mode) == (CA, "0644")
    assert {pipeline_files.KAFKA_CA, pipeline_files.KAFKA_JAAS} <= set(plan.env["SERVICE_INPUTS"].split())
    assert kafka_block(plan, role)["ssl_truststore_location"] == pipeline_files.KAFKA_CA


@pytest.mark.parametrize("stage, role", [(source, "producer"), (sink, "consumer")])
def test_plaintext_pipelines_stay_as_they_were(make_settings, stage, role):
    plan = stage.plan(make_settings(PLAINTEXT), facts(role, None))
    options = kafka_block(plan, role)
    assert not {"security_protocol", "sasl_mechanism", "jaas_path", "sasl_jaas_config"} & set(options)
    assert pipeline_files.KAFKA_CA not in files(plan) and "KAFKA_SASL_JAAS_CONFIG" not in plan.secrets
    assert pipeline_files.KAFKA_CA not in plan.env["SERVICE_INPUTS"]


def test_without_a_login_a_secured_pipeline_says_what_is_missing(make_settings):
    with pytest.raises(ValueError, match="needs a login: kafka.logins.producer or Facts.login_seed"):
        source.plan(secured(make_settings()), Facts(role="producer", bootstrap="10.0.0.5:9092"))


EXISTING = {"kafka": {"provider": "existing", "bootstrapServers": ["kafka.example.org:9096"], "security": "sasl_ssl",
                      "logins": {"producer": {"username": "writer", "password": "pw-w"},
                                 "consumer": {"username": "reader", "password": "pw-r"}}}}


def existing(make_settings, **kafka):
    raw = {"kafka": {**EXISTING["kafka"], **kafka}}
    return make_settings(raw)


@pytest.mark.parametrize("stage, role, user, password", [(source, "producer", "writer", "pw-w"),
                                                         (sink, "consumer", "reader", "pw-r")])
def test_an_existing_kafka_is_logged_in_to_with_the_given_login_trusting_the_jvms_cas(
        make_settings, stage, role, user, password):
    plan = stage.plan(existing(make_settings), Facts(role=role, bootstrap="kafka.example.org:9096"))
    options = kafka_block(plan, role)
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    # No CA given: no trust store of ours, so the JVM's own CAs (a hosted Kafka's) are trusted.
    assert not {"ssl_truststore_type", "ssl_truststore_location"} & set(options)
    assert pipeline_files.KAFKA_CA not in files(plan)
    assert pipeline_files.KAFKA_CA not in plan.env["SERVICE_INPUTS"].split()
    assert plan.secrets["KAFKA_SASL_JAAS_CONFIG"].value == (
        f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{user}" password="{password}";')
    assert password not in "".join(plan.bundle().values())


def test_an_existing_kafkas_ca_is_placed_and_its_mechanism_rendered(make_settings):
    settings = existing(make_settings, caCertificate=CA, saslMechanism="PLAIN")
    plan = source.plan(settings, Facts(role="producer", bootstrap="kafka.example.org:9096",
                                       kafka_ca=settings.kafka.ca_certificate))
    options = kafka_block(plan, "producer")
    assert options["sasl_mechanism"] == "PLAIN" and options["ssl_truststore_location"] == pipeline_files.KAFKA_CA
    assert files(plan)[pipeline_files.KAFKA_CA] == CA
    assert plan.secrets["KAFKA_SASL_JAAS_CONFIG"].value.startswith(
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"writer\"")
