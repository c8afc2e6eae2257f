"""Where the queue runs (kafka.provider), under mocks: our brokers, or a Kafka the user runs, for
which the stack creates nothing but the pipelines and points them at its bootstrap servers."""
from __future__ import annotations

from components import cost
from components.logstash.parse import parse
from components.stages import pipeline_files
from tests.components.test_kafka_authority import stdin_of
from tests.program import DEV, is_secret, rendered, run

EXISTING = {**DEV, "kafka": {"provider": "existing",
                             "bootstrapServers": ["kafka-1.example.org:9096", "kafka-2.example.org:9096"]}}
BOOTSTRAP = "kafka-1.example.org:9096,kafka-2.example.org:9096"


def kafka_plugin(run_, child: str, stage: str, section: str):
    bundle = rendered(run_, child, stage)
    (conf,) = [line.split()[2] for line in bundle["manifest"].splitlines() if line.split()[3] == pipeline_files.CONFIG]
    pipeline = parse(bundle[conf])
    (plugin,) = [p for p in getattr(pipeline, section) if p.name == "kafka"]
    return plugin.options


def test_an_existing_kafka_gets_no_broker_host_no_broker_component_and_no_broker_stage(monkeypatch):
    result = run(EXISTING, monkeypatch=monkeypatch)
    assert sorted(r.name for r in result.of_type("aws:ec2/instance:Instance")) == ["kafka-consumer", "kafka-producer"]
    assert result.of_type("kafka-pipeline:index:KafkaServer") == []
    assert not [r for r in result.mocks.resources if r.name.startswith("kafka-server")]


def test_the_pipelines_dial_the_given_bootstrap_servers(monkeypatch):
    result = run(EXISTING, monkeypatch=monkeypatch)
    assert kafka_plugin(result, "kafka-producer", "source", "outputs")["bootstrap_servers"] == BOOTSTRAP
    assert kafka_plugin(result, "kafka-consumer", "sink", "inputs")["bootstrap_servers"] == BOOTSTRAP


def test_exports_say_where_the_queue_is_and_offer_no_broker_commands(monkeypatch):
    result = run(EXISTING, monkeypatch=monkeypatch)
    assert result.value("kafkaProvider") == "existing"
    assert result.value("bootstrapServers") == BOOTSTRAP and result.value("operatorBootstrap") == BOOTSTRAP
    assert sorted(result.value("hosts")) == ["consumer", "producer"]
    for broker_only in ("sshBroker", "kafkaTunnels", "brokerPrivateIps", "listTopics", "consoleConsumer",
                        "kafkaOnBroker", "kafkaVersion"):
        assert broker_only not in result.exports, broker_only


def test_its_ports_are_opened_outward_only(monkeypatch):
    result = run(EXISTING, monkeypatch=monkeypatch)
    egress = result.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted(r.inputs["fromPort"] for r in egress if r.inputs.get("cidrIpv4") == "0.0.0.0/0") == [80, 443, 9096]
    ingress = result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert ingress and not [r for r in ingress if r.inputs["fromPort"] <= 9096 <= r.inputs["toPort"]]
    # No broker of ours: SSH is all that comes in.
    assert {r.inputs["fromPort"] for r in ingress} == {22}


def test_our_brokers_stay_the_default(dev):
    assert dev.value("kafkaProvider") == "ours"
    assert len(dev.of_type("kafka-pipeline:index:KafkaServer")) == 1
    assert kafka_plugin(dev, "kafka-producer", "source", "outputs")["bootstrap_servers"] == dev.value("bootstrapServers")


def test_its_estimate_and_quota_count_the_pipeline_hosts_only(make_settings):
    existing = make_settings({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"]}})
    assert cost.instance_counts(existing) == {"t4g.small": 2}
    assert cost.instance_counts(make_settings()) == {"t4g.small": 3}


CA = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"
SECURED = {**DEV, "kafka": {**EXISTING["kafka"], "security": "sasl_ssl", "caCertificate": CA,
                            "logins": {"producer": {"username": "writer", "password": "pw-writer-1"},
                                       "consumer": {"username": "reader", "password": "pw-reader-2"}}}}


def test_an_existing_kafka_with_sasl_ssl_gets_its_logins_as_secrets_and_its_ca_as_the_trust_store(monkeypatch):
    result = run(SECURED, secret_keys=("kafka",), monkeypatch=monkeypatch)
    for child, stage, section, user, password in (("kafka-producer", "source", "outputs", "writer", "pw-writer-1"),
                                                  ("kafka-consumer", "sink", "inputs", "reader", "pw-reader-2")):
        options = kafka_plugin(result, child, stage, section)
        assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
        assert options["ssl_truststore_location"] == pipeline_files.KAFKA_CA
        shipped = rendered(result, child, stage)
        assert CA in shipped.values() and password not in "".join(shipped.values())
        command = result.named(f"{child}-{stage}")
        assert "stdin" in result.monitor.secret_outputs[f"{child}-{stage}"] and is_secret(command.inputs["stdin"])
        assert password not in str(command.inputs["create"]) and f'username="{user}"' in stdin_of(result, command.name)
    # Still nothing of ours to log in to: no authority, no logins stage.
    assert not [r for r in result.mocks.resources if "authority" in r.name or r.name.endswith("-logins")]
