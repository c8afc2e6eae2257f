"""Where the queue runs (kafka.provider), under mocks: our brokers, or a Kafka the user runs, for
which the stack creates nothing but the pipelines and points them at its bootstrap servers."""
from __future__ import annotations

from components import cost
from components.logstash.parse import parse
from components.stages import pipeline_files
from tests.program import DEV, rendered, run

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


def test_our_brokers_stay_the_default(dev):
    assert dev.value("kafkaProvider") == "ours"
    assert len(dev.of_type("kafka-pipeline:index:KafkaServer")) == 1
    assert kafka_plugin(dev, "kafka-producer", "source", "outputs")["bootstrap_servers"] == dev.value("bootstrapServers")


def test_its_estimate_and_quota_count_the_pipeline_hosts_only(make_settings):
    existing = make_settings({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"]}})
    assert cost.instance_counts(existing) == {"t4g.small": 2}
    assert cost.instance_counts(make_settings()) == {"t4g.small": 3}
