"""The whole program under mocks: what it builds, exports, refuses, and keeps secret."""
from __future__ import annotations

import pulumi
import pytest

from tests.program import DEV, Mocks, is_secret, rendered, run, stack_config



def test_dev_has_three_instances_and_the_three_components(dev):
    assert sorted(r.name for r in dev.of_type("aws:ec2/instance:Instance")) == [
        "kafka-consumer", "kafka-producer", "kafka-server"]
    for token in ("KafkaServer", "LogstashProducer", "LogstashConsumer"):
        assert len(dev.of_type(f"kafka-pipeline:index:{token}")) == 1



def test_exports_give_ready_to_paste_commands(dev):
    assert dev.value("sshBroker")[0].startswith("ssh -i ~/.ssh/kafka-pipeline-dev.pem admin@203.0.113.")
    assert dev.value("watchConsumer").endswith("sudo journalctl -u logstash -f -o cat")
    (tunnel,) = dev.value("kafkaTunnels")
    assert tunnel.endswith(" -N -L 9094:localhost:9094")
    assert dev.value("operatorBootstrap") == "localhost:9094"
    assert dev.value("topics") == ["twitter"]
    assert "STACK=dev scripts/pulumi.sh stack output --show-secrets sshPrivateKey" in dev.value("saveSshKey")



def test_a_kafka_user_gets_where_kafka_lives_and_commands_to_look_at_it(dev, plain):
    assert dev.value("kafkaOnBroker")["home"] == "/opt/kafka"
    assert dev.value("kafkaOnBroker")["data"] == "/var/lib/kafka/data"
    # kafka.security sasl_ssl (the default): through the broker's loopback listener, which needs no login.
    assert dev.value("listTopics").endswith("/opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9094 --list")
    assert dev.value("consoleConsumer").endswith(
        "kafka-console-consumer.sh --bootstrap-server localhost:9094 --topic twitter --from-beginning")
    assert dev.value("consoleConsumer").startswith("ssh -i ~/.ssh/kafka-pipeline-dev.pem admin@")
    ip = plain.value("brokerPrivateIps")[0]
    assert plain.value("listTopics").endswith(f"/opt/kafka/bin/kafka-topics.sh --bootstrap-server {ip}:9092 --list")



def test_missing_region_is_refused_before_any_resource(monkeypatch):
    with pytest.raises(Exception) as error:
        run(DEV, region=None, monkeypatch=monkeypatch)
    assert "aws:region" in str(error.value)



def test_bad_config_is_refused_before_any_resource(monkeypatch):
    mocks = Mocks()
    with pytest.raises(pulumi.RunError) as error:
        run({**DEV, "kafka": {"brokers": 2}}, monkeypatch=monkeypatch, mocks=mocks)
    assert "kafka.brokers" in str(error.value) and "allowed: 1, 3" in str(error.value)
    assert mocks.resources == [] and mocks.calls == []


def test_a_kafka_downgrade_is_refused_at_preview_naming_the_key(monkeypatch):
    mocks = Mocks(deployed={"kafkaVersion": "4.3.1"})
    with pytest.raises(pulumi.RunError) as error:
        run({**DEV, "kafka": {"version": "4.1.1"}}, monkeypatch=monkeypatch, mocks=mocks)
    message = str(error.value)
    assert "invalid config kafka.version = '4.1.1': 4.3.1 or later" in message and "Nothing was created" in message
    # The stack read back is all that was touched.
    assert [r.typ for r in mocks.resources] == ["pulumi:pulumi:StackReference"] and mocks.calls == []
    assert mocks.resources[0].name == "organization/kafka-pipeline/dev"


def test_the_deployed_kafka_release_is_recorded_and_an_upgrade_goes_ahead(monkeypatch):
    upgraded = run({**DEV, "kafka": {"version": "4.3.1"}}, monkeypatch=monkeypatch,
                   mocks=Mocks(deployed={"kafkaVersion": "4.1.1"}))
    assert upgraded.value("kafkaVersion") == "4.3.1"



def test_a_misspelt_top_level_key_is_refused(monkeypatch):
    with pytest.raises(pulumi.RunError) as error:
        run({**DEV, "kafak": {"brokers": 1}}, monkeypatch=monkeypatch)
    assert "kafak" in str(error.value) and "unknown key" in str(error.value)



@pytest.mark.parametrize("stack", ["dev", "class"])

def test_committed_stacks_evaluate(stack, monkeypatch):
    from components import operator
    monkeypatch.setattr(operator, "detect_public_ip", lambda timeout=5.0: "198.51.100.9")
    config, region = stack_config(stack)
    result = run(config, stack=stack, region=region, monkeypatch=monkeypatch)
    ssh = [r.inputs.get("cidrIpv4") for r in result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
           if r.inputs["fromPort"] == 22]
    instances = result.of_type("aws:ec2/instance:Instance")
    if stack == "dev":
        assert ssh == ["198.51.100.9/32"]
        assert len(instances) == 3
    else:
        assert sorted(result.value("students")) == ["ana", "ben", "cho"]
        assert len(instances) == 7



SECRETS = {
    "consumerKey": "ck-4f1e9a", "consumerSecret": "cs-77a2b0", "oauthToken": "ot-9d3c11",
    "oauthTokenSecret": "ots-5e8f02",
}



SINK_PASSWORD = "os-pw-3b6d9c"



def plaintext_leaks(value, secrets, path="") -> list[str]:
    """Paths at which a secret value appears outside a Pulumi secret."""
    if is_secret(value):
        return []
    if isinstance(value, dict):
        return [leak for k, v in value.items() for leak in plaintext_leaks(v, secrets, f"{path}.{k}")]
    if isinstance(value, (list, tuple)):
        return [leak for i, v in enumerate(value) for leak in plaintext_leaks(v, secrets, f"{path}[{i}]")]
    if hasattr(value, "path") and hasattr(value, "assets") or type(value).__name__ == "FileArchive":
        from pathlib import Path
        folder = Path(value.path)
        return [f"{path}:{p}" for p in folder.rglob("*") if p.is_file()
                for s in secrets if s in p.read_text()]
    text = str(value)
    return [f"{path} contains {s!r}" for s in secrets if s in text]



def test_no_secret_value_appears_outside_a_pulumi_secret(monkeypatch):
    config = {**DEV,
              "producer": {"source": {"type": "twitter", **SECRETS}},
              "consumer": {"sink": {"type": "opensearch", "hosts": ["https://search.example.org:9200"],
                                    "user": "admin", "password": SINK_PASSWORD}}}
    result = run(config, secret_keys=("producer", "consumer"), monkeypatch=monkeypatch)
    secrets = [*SECRETS.values(), SINK_PASSWORD]
    leaks = [leak for r in result.mocks.resources for leak in plaintext_leaks(r.inputs, secrets, r.name)]
    assert leaks == []
    for name in result.exports:
        if not result.is_secret(name):
            assert not any(s in str(result.value(name)) for s in secrets), name
    # ...and the secrets did reach the hosts: on the pipeline commands' (secret) stdin, by reference in configs.
    stdin = result.named("kafka-producer-source").inputs["stdin"]
    assert is_secret(stdin) and "SOURCE_CONSUMER_SECRET\t" in stdin["value"]
    assert '"${SINK_PASSWORD}"' in rendered(result, "kafka-consumer", "sink")["files/000"]



def test_adding_a_student_touches_only_that_students_resources(monkeypatch):
    def names(students):
        result = run({**DEV, "students": students}, stack="class", monkeypatch=monkeypatch)
        return {r.name: r.inputs.get("triggers") for r in result.mocks.resources}
    before, after = names(["ana", "ben"]), names(["ana", "ben", "cho"])
    assert set(before) <= set(after)
    added = set(after) - set(before)
    assert added and all("cho" in name for name in added)
    changed = [n for n in before if before[n] != after[n]]
    # The broker's topic list gains twitter-cho, its logins cho's two; no other student's resources change.
    assert sorted(changed) == ["kafka-server-logins", "kafka-server-logins-files", "kafka-server-topics",
                               "kafka-server-topics-files"], changed


def test_every_host_is_exported_as_data_and_each_command_is_built_from_it(dev):
    hosts = dev.value("hosts")
    assert sorted(hosts) == ["broker-1", "consumer", "producer"]
    broker = hosts["broker-1"]
    assert broker == {"role": "broker", "address": broker["address"], "user": "admin",
                      "sshKey": "~/.ssh/kafka-pipeline-dev.pem", "privateIp": dev.value("brokerPrivateIps")[0],
                      "operatorPort": 9094}
    assert dev.value("brokerAddresses") == [broker["address"]]
    ssh = {name: f"ssh -i {h['sshKey']} {h['user']}@{h['address']}" for name, h in hosts.items()}
    assert dev.value("sshBroker") == [ssh["broker-1"]]
    assert dev.value("kafkaTunnels") == [f"{ssh['broker-1']} -N -L 9094:localhost:9094"]
    assert (dev.value("sshProducer"), dev.value("sshConsumer")) == (ssh["producer"], ssh["consumer"])
    # A Logstash host says where its monitoring API listens on its loopback (make status reads it by SSH).
    assert {n: hosts[n] for n in ("producer", "consumer")} == {
        n: {"role": n, "address": hosts[n]["address"], "user": "admin", "sshKey": "~/.ssh/kafka-pipeline-dev.pem",
            "monitoringPort": 9600} for n in ("producer", "consumer")}


def test_a_class_exports_each_students_hosts_by_name_with_the_student(monkeypatch):
    result = run({**DEV, "students": ["ana", "cho"], "kafka": {"brokers": 3}}, monkeypatch=monkeypatch)
    hosts = result.value("hosts")
    assert sorted(hosts) == ["broker-1", "broker-2", "broker-3", "consumer-ana", "consumer-cho",
                             "producer-ana", "producer-cho"]
    assert [hosts[f"broker-{n}"]["operatorPort"] for n in (1, 2, 3)] == [9094, 9095, 9096]
    assert {n: (h["role"], h["student"]) for n, h in hosts.items() if "student" in h} == {
        "producer-ana": ("producer", "ana"), "consumer-ana": ("consumer", "ana"),
        "producer-cho": ("producer", "cho"), "consumer-cho": ("consumer", "cho")}
    ana = result.value("students")["ana"]
    assert ana["sshProducer"].endswith(f"admin@{hosts['producer-ana']['address']}")
    assert ana["sshConsumer"].endswith(f"admin@{hosts['consumer-ana']['address']}")


def test_a_stack_with_its_own_key_exports_no_key_path(monkeypatch):
    result = run({**DEV, "sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd5cjJ0c3R1dnd4eXphYmNkZWZnaGlqa2xtbm9wcXJz me"},
                 monkeypatch=monkeypatch)
    assert {h["sshKey"] for h in result.value("hosts").values()} == {None}
    assert result.value("sshProducer").startswith("ssh admin@")
