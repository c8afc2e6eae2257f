"""kafka.provider msk under mocks: what only AWS can answer. The cluster, its logins in Secrets
Manager under a customer key, its security group, the topics and grants made from the first
producer's host, the pipelines logging in over TLS, the price lines."""
from __future__ import annotations

import json
import shlex

import pytest

from components.errors import Secret
from components.logstash.parse import parse
from components.msk_cluster import SCRAM_PORT, SECRET_PREFIX
from components.stages import grants, logins, pipeline_files
from tests.components.test_kafka_authority import stdin_of
from tests.program import DEV, MSK_BOOTSTRAP, MSK_PRICES, MSK_STORAGE_PRICE, is_secret, rendered, run

MSK = {**DEV, "kafka": {"provider": "msk"}}
CLASS = {**DEV, "kafka": {"provider": "msk", "msk": {"brokers": 3, "instanceType": "kafka.m7g.large"}},
         "students": ["ana", "ben"]}
SEED = Secret("-----BEGIN OPENSSH PRIVATE KEY-----\nMOCKKEY\n-----END OPENSSH PRIVATE KEY-----\n")


@pytest.fixture(scope="module")
def msk():
    monkeypatch = pytest.MonkeyPatch()
    yield run(MSK, monkeypatch=monkeypatch)
    monkeypatch.undo()


@pytest.fixture(scope="module")
def msk_class():
    monkeypatch = pytest.MonkeyPatch()
    yield run(CLASS, monkeypatch=monkeypatch)
    monkeypatch.undo()


def test_a_cluster_of_one_broker_per_zone_taking_scram_over_tls_only(msk):
    (cluster,) = msk.of_type("aws:msk/cluster:Cluster")
    assert cluster.inputs["kafkaVersion"] == "3.8.x" and cluster.inputs["numberOfBrokerNodes"] == 2
    nodes = cluster.inputs["brokerNodeGroupInfo"]
    assert nodes["instanceType"] == "kafka.t3.small"
    # Zones in name order, one subnet each (tests/program.ZONES: subnet-a is zone a, ...).
    assert nodes["clientSubnets"] == ["subnet-a", "subnet-b"]
    assert nodes["storageInfo"]["ebsStorageInfo"]["volumeSize"] == 10
    auth = cluster.inputs["clientAuthentication"]
    assert auth["sasl"] == {"scram": True} and auth["unauthenticated"] is False
    encryption = cluster.inputs["encryptionInfo"]
    assert encryption["encryptionInTransit"] == {"clientBroker": "TLS", "inCluster": True}
    (key,) = msk.of_type("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert encryption["encryptionAtRestKmsKeyArn"].endswith(key.name)
    assert msk.of_type("kafka-pipeline:index:KafkaServer") == [] and not msk.of_type("aws:ec2/instance:Instance")[2:]


def test_every_login_is_a_secret_msk_takes_under_the_customer_key(msk):
    (key,) = msk.of_type("aws:kms/key:Key")
    secrets = msk.of_type("aws:secretsmanager/secret:Secret")
    assert sorted(s.name for s in secrets) == ["kafka-msk-login-admin", "kafka-msk-login-consumer",
                                              "kafka-msk-login-producer"]
    for secret in secrets:
        assert secret.inputs["namePrefix"].startswith(SECRET_PREFIX)
        assert secret.inputs["kmsKeyId"].endswith(key.name) and secret.inputs["recoveryWindowInDays"] == 0
    for login in ("admin", "producer", "consumer"):
        version = msk.named(f"kafka-msk-login-{login}-value").inputs
        assert version["secretId"] == f"kafka-msk-login-{login}-id" and is_secret(version["secretString"])
        assert json.loads(version["secretString"]["value"]) == {
            "username": login, "password": logins.password(SEED, login).value}
    (association,) = msk.of_type("aws:msk/scramSecretAssociation:ScramSecretAssociation")
    assert sorted(association.inputs["secretArnLists"]) == sorted(f"arn:aws:secretsmanager:ap-northeast-2:123456789012:"
                                                                  f"{s.name}" for s in secrets)
    assert {f"kafka-msk-login-{n}-value" for n in ("admin", "producer", "consumer")} <= msk.waits_for("kafka-msk-logins")


def test_only_the_pipelines_hosts_reach_the_brokers(msk):
    (group,) = [g for g in msk.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name == "kafka-msk-sg"]
    ingress = [r for r in msk.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == f"{group.name}-id"]
    assert [(r.inputs["fromPort"], r.inputs["toPort"], r.inputs.get("referencedSecurityGroupId"), r.inputs.get("cidrIpv4"))
            for r in ingress] == [(SCRAM_PORT, SCRAM_PORT, "pipeline-sg-id", None)]
    out = msk.named("kafka-msk-to-brokers").inputs
    assert (out["securityGroupId"], out["referencedSecurityGroupId"], out["fromPort"]) == ("pipeline-sg-id",
                                                                                          "kafka-msk-sg-id", SCRAM_PORT)
    assert group.inputs["vpcId"] == "vpc-default"
    # Into the pipeline's own hosts only SSH: no broker of ours listens there.
    pipeline_in = [r for r in msk.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                   if r.inputs["securityGroupId"] == "pipeline-sg-id"]
    assert {r.inputs["fromPort"] for r in pipeline_in} == {22}


def stage_env(bundle: dict[str, str]) -> dict[str, str]:
    return dict(shlex.split(line)[0].split("=", 1) for line in bundle["stage.env"].splitlines())


def stages_of(result, host: str) -> list[str]:
    return [r.name.removeprefix(f"{host}-") for r in result.of_type("command:remote:Command")
            if r.name.startswith(f"{host}-")]


def test_the_first_producers_host_makes_topics_and_grants_before_any_pipeline_runs(msk_class):
    assert stages_of(msk_class, "kafka-producer-ana") == ["base", "java", "kafka_client", "topics", "grants",
                                                         "logstash", "source"]
    for host in ("kafka-consumer-ana", "kafka-producer-ben", "kafka-consumer-ben"):
        assert stages_of(msk_class, host) == ["base", "logstash", "sink" if "consumer" in host else "source"]
        assert "kafka-producer-ana-grants" in msk_class.waits_for(f"{host}-{host.split('-')[1] == 'consumer' and 'sink' or 'source'}")
    assert "kafka-msk-logins" in msk_class.waits_for("kafka-producer-ana-kafka_client")
    topics = rendered(msk_class, "kafka-producer-ana", "topics")
    assert stage_env(topics)["COMMAND_CONFIG"] == "/etc/kafka/admin.properties"
    args = topics["files/000"].splitlines()
    assert args[-1].split() == ["--bootstrap-server", MSK_BOOTSTRAP, "--create", "--if-not-exists", "--topic",
                                "twitter-ben", "--partitions", "1", "--replication-factor", "3"]


def test_the_administrators_grants_come_first_and_each_login_is_fenced_to_its_own(msk_class):
    acls = rendered(msk_class, "kafka-producer-ana", "grants")["files/000"].splitlines()
    assert acls[:3] == [f"admin {' '.join(g)}" for g in grants.ADMIN_GRANTS]
    assert "producer-ana --operation Write --operation Describe --topic twitter-ana" in acls
    assert "consumer-ben --operation Read --group logstash-ben" in acls
    env = stage_env(rendered(msk_class, "kafka-producer-ana", "grants"))
    assert (env["LOGIN_PASSWORDS"], env["COMMAND_CONFIG"]) == ("0", "/etc/kafka/admin.properties")


def test_the_administrators_login_reaches_its_host_as_a_secret_only(msk):
    password = logins.password(SEED, "admin").value
    assert password not in "".join(rendered(msk, "kafka-producer", "kafka_client").values())
    assert password in stdin_of(msk, "kafka-producer-kafka_client")
    assert is_secret(msk.named("kafka-producer-kafka_client").inputs["stdin"])


@pytest.mark.parametrize("child, stage, section, login", [("kafka-producer", "source", "outputs", "producer"),
                                                          ("kafka-consumer", "sink", "inputs", "consumer")])
def test_the_pipelines_log_in_over_tls_with_the_password_msk_was_given(msk, child, stage, section, login):
    bundle = rendered(msk, child, stage)
    (conf,) = [line.split()[2] for line in bundle["manifest"].splitlines() if line.split()[3] == pipeline_files.CONFIG]
    (plugin,) = [p for p in getattr(parse(bundle[conf]), section) if p.name == "kafka"]
    options = dict(plugin.options)
    assert options["bootstrap_servers"] == MSK_BOOTSTRAP
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    # Amazon's certificates: the JVM's own CAs, no trust store of ours.
    assert "ssl_truststore_location" not in options and pipeline_files.KAFKA_CA not in bundle["manifest"]
    assert f'username="{login}" password="{logins.password(SEED, login).value}"' in stdin_of(msk, f"{child}-{stage}")


def test_exports_name_the_cluster_and_offer_no_broker_hosts(msk):
    assert msk.value("kafkaProvider") == "msk" and msk.value("bootstrapServers") == MSK_BOOTSTRAP
    assert msk.value("mskClusterArn").startswith("arn:aws:kafka:")
    assert sorted(msk.value("hosts")) == ["consumer", "producer"]
    assert "sshBroker" not in msk.exports and "kafkaTunnels" not in msk.exports


def test_the_estimate_prices_the_brokers_and_their_storage(msk_class):
    lines = {line["item"]: line for line in msk_class.value("estimatedCost")["lines"]}
    brokers = lines["kafka.m7g.large MSK broker hours"]
    assert (brokers["count"], brokers["unitUsd"]) == (3, MSK_PRICES["m7g.large"])
    storage = lines["10 GiB MSK broker storage"]
    assert storage["count"] == 3 and storage["usdPerHour"] == pytest.approx(3 * MSK_STORAGE_PRICE * 10 / 730, abs=1e-6)
    assert lines["t4g.small instance hours"]["count"] == 4  # the Logstash hosts only
