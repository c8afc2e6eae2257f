"""kafka.security sasl_ssl under mocks: the stack's authority, each broker's certificate for its
private address, the keys and passwords as secrets, the logins stage after the topics."""
from __future__ import annotations

import pytest

from components.errors import Secret
from components.stages import logins
from tests.program import DEV, is_secret, rendered, run

# What the mocks answer for every generated key's OpenSSH private half (tests/program.py).
MOCK_OPENSSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nMOCKKEY\n-----END OPENSSH PRIVATE KEY-----\n"


def stdin_of(result, name: str) -> str:
    """A command's stdin, decoded: NAME<TAB>base64 lines."""
    import base64
    value = result.named(name).inputs["stdin"]
    value = value.get("value", value) if isinstance(value, dict) else value
    return "".join(base64.b64decode(line.split("\t")[1]).decode() for line in value.splitlines() if "\t" in line)

SECURED = {**DEV, "kafka": {"security": "sasl_ssl"}}


@pytest.fixture
def secured(monkeypatch):
    return run(SECURED, monkeypatch=monkeypatch)


def test_the_stack_has_its_own_authority_and_each_broker_a_certificate_for_its_address(monkeypatch):
    result = run({**DEV, "kafka": {"security": "sasl_ssl", "brokers": 3}}, monkeypatch=monkeypatch)
    ca = result.named("kafka-server-authority-ca")
    assert ca.inputs["isCaCertificate"] is True and ca.inputs["allowedUses"] == ["cert_signing", "crl_signing"]
    ips = result.value("brokerPrivateIps")
    for node, ip in zip(("kafka-server", "kafka-server-2", "kafka-server-3"), ips):
        request = result.named(f"{node}-tls-request")
        assert request.inputs["ipAddresses"] == [ip]
        assert request.inputs["subject"]["commonName"] == "kafka-broker"
        cert = result.named(f"{node}-tls-cert")
        assert set(cert.inputs["allowedUses"]) == {"digital_signature", "server_auth", "client_auth"}
        assert cert.inputs["caCertPem"] == "-----BEGIN CERTIFICATE-----\nkafka-server-authority-ca\n-----END CERTIFICATE-----\n"
        assert result.monitor.parents[f"{node}-tls-cert"] == "kafka-server-authority"
    assert result.monitor.parents["kafka-server-authority"] == "kafka-server"


def test_keys_and_passwords_travel_as_secrets_only(secured):
    broker = secured.named("kafka-server-kafka")
    assert "stdin" in secured.monitor.secret_outputs["kafka-server-kafka"]
    bundle = "".join(rendered(secured, "kafka-server", "kafka").values())
    assert "BEGIN PRIVATE KEY" not in bundle and "BEGIN CERTIFICATE-----\nkafka-server-authority-ca" in bundle
    assert broker.inputs["stdin"] and "PRIVATE KEY" not in str(broker.inputs["create"])
    seed = Secret(secured.named("kafka-server-authority-login-seed").inputs and MOCK_OPENSSH_KEY)
    for child, stage, login in (("kafka-producer", "source", "producer"), ("kafka-consumer", "sink", "consumer"),
                                ("kafka-server", "logins", "consumer")):
        shipped = "".join(rendered(secured, child, stage).values())
        assert logins.password(seed, login).value not in shipped and "OPENSSH PRIVATE KEY" not in shipped
        assert "stdin" in secured.monitor.secret_outputs[f"{child}-{stage}"]
        assert logins.password(seed, login).value in stdin_of(secured, f"{child}-{stage}")
        assert is_secret(secured.named(f"{child}-{stage}").inputs["stdin"])
    assert not any("authority" in name or "login-seed" in name for name in secured.exports)


def test_the_logins_are_made_once_the_topics_exist(secured):
    assert "kafka-server-topics" in secured.waits_for("kafka-server-logins")
    acls = rendered(secured, "kafka-server", "logins")["files/000"]
    assert acls.splitlines()[0] == "producer --operation Write --operation Describe --topic twitter"


def test_the_pipelines_log_in_and_trust_the_stacks_authority(secured):
    producer = rendered(secured, "kafka-producer", "source")
    assert 'security_protocol => "SASL_SSL"' in producer["files/000"]
    assert 'jaas_path => "/etc/logstash/kafka-client.jaas"' in producer["files/000"]
    assert "kafka-server-authority-ca" in producer["files/002"]
    consumer = rendered(secured, "kafka-consumer", "sink")["files/000"]
    assert 'sasl_jaas_config => "${KAFKA_SASL_JAAS_CONFIG}"' in consumer


def test_plaintext_stacks_make_no_authority(plain):
    assert not plain.of_type("tls:index/selfSignedCert:SelfSignedCert")
    assert not [r for r in plain.mocks.resources if r.name.endswith("-logins")]


def test_brokers_reach_each_others_tls_listener_inside_the_pipeline_only(secured, plain):
    rule = next(r for r in secured.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                if r.name.endswith("-kafka"))
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (9091, 9093)
    assert "referencedSecurityGroupId" in rule.inputs and "cidrIpv4" not in rule.inputs
    plain = next(r for r in plain.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                 if r.name.endswith("-kafka"))
    assert (plain.inputs["fromPort"], plain.inputs["toPort"]) == (9092, 9093)


def test_the_exported_commands_run_on_the_broker_through_its_loopback_listener(secured):
    assert secured.value("listTopics").endswith(
        "/opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9094 --list")
    assert "--bootstrap-server localhost:9094 --topic twitter" in secured.value("consoleConsumer")


def test_stage_triggers_stay_plain_though_the_facts_carry_secrets(secured):
    """The command provider refuses a secret trigger whose value is still unknown (a preview of new
    hosts): the digest leaves secret values out, so it is not marked secret either."""
    copies = secured.of_type("command:remote:CopyToRemote")
    assert copies and not [c.name for c in copies if is_secret(c.inputs["triggers"][0])]
