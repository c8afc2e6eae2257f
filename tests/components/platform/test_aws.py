"""The aws platform under mocks: security group, instances, AMIs, zones, tags, egress."""
from __future__ import annotations

import pulumi
import pytest

from tests.program import ZONES, DEV, Mocks, rendered, run



def test_security_group_allows_ssh_from_operator_and_kafka_only_inside(dev):
    ingress = dev.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    ssh = [r for r in ingress if r.inputs["fromPort"] == 22]
    assert [r.inputs["cidrIpv4"] for r in ssh] == ["198.51.100.7/32"]
    kafka = [r for r in ingress if r.inputs["fromPort"] != 22]
    # kafka.security sasl_ssl (the default): the brokers' TLS replication listener, the clients' port, the quorum's.
    assert len(kafka) == 1 and kafka[0].inputs["fromPort"] == 9091 and kafka[0].inputs["toPort"] == 9093
    assert kafka[0].inputs["referencedSecurityGroupId"] == "pipeline-sg-id"
    assert "cidrIpv4" not in kafka[0].inputs
    assert all(r.inputs.get("cidrIpv4") != "0.0.0.0/0" for r in ingress)
    assert all(r.inputs["fromPort"] != 80 for r in ingress)
    group = dev.named("pipeline-sg")
    assert "ingress" not in group.inputs or not group.inputs["ingress"]



def test_egress_is_limited_to_downloads_and_the_pipeline(dev):
    egress = dev.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    open_ports = sorted(r.inputs["fromPort"] for r in egress if r.inputs.get("cidrIpv4") == "0.0.0.0/0")
    assert open_ports == [80, 443]
    assert all(r.inputs["ipProtocol"] == "tcp" for r in egress if r.inputs.get("cidrIpv4"))



def test_a_sink_or_mirror_on_another_port_gets_its_egress_and_nothing_inward(monkeypatch):
    config = {**DEV, "consumer": {"sink": {"type": "opensearch", "hosts": ["https://search.example.org:9200"]}},
              "kafka": {"downloadUrl": "http://mirror.example.org:8080/kafka"}}
    result = run(config, monkeypatch=monkeypatch)
    egress = result.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted(r.inputs["fromPort"] for r in egress if r.inputs.get("cidrIpv4") == "0.0.0.0/0") == [80, 443, 8080, 9200]
    ingress = result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert all(r.inputs["fromPort"] in (22, 9091) for r in ingress)



def test_instances_require_imdsv2_encrypt_disks_and_stop_on_shutdown(dev):
    for instance in dev.of_type("aws:ec2/instance:Instance"):
        assert instance.inputs["metadataOptions"]["httpTokens"] == "required"
        assert instance.inputs["rootBlockDevice"]["encrypted"] is True
        assert instance.inputs["instanceInitiatedShutdownBehavior"] == "stop"
        assert instance.inputs["vpcSecurityGroupIds"] == ["pipeline-sg-id"]



def test_instance_architecture_follows_the_instance_type(dev, monkeypatch):
    assert {r.inputs["ami"] for r in dev.of_type("aws:ec2/instance:Instance")} == {"ami-arm"}  # Graviton defaults
    mixed = run({**DEV, "kafka": {"instanceType": "t3.medium"}}, monkeypatch=monkeypatch)
    amis = {r.name: r.inputs["ami"] for r in mixed.of_type("aws:ec2/instance:Instance")}
    assert amis == {"kafka-server": "ami-x86", "kafka-producer": "ami-arm", "kafka-consumer": "ami-arm"}
    params = sorted(c.args["name"] for c in mixed.mocks.calls if c.token == "aws:ssm/getParameter:getParameter")
    # The default OS is the Debian release the local platform rehearses, from Debian's own AMIs.
    assert params == ["/aws/service/debian/release/13/latest/amd64", "/aws/service/debian/release/13/latest/arm64"]


def test_a_graviton_broker_gets_the_oses_java_for_arm64(dev):
    """The same Java package names serve arm64 on every OS; the broker's stage asks for it."""
    assert "JAVA_PACKAGE='openjdk-21-jre-headless'" in rendered(dev, "kafka-server", "java")["stage.env"]
    brokers = [r for r in dev.of_type("aws:ec2/instance:Instance") if r.name == "kafka-server"]
    assert [b.inputs["instanceType"] for b in brokers] == ["t4g.small"]



def test_amazon_linux_stays_selectable_with_its_user_and_packages(monkeypatch):
    result = run({**DEV, "os": "al2023", "kafka": {"instanceType": "t3.medium"}}, monkeypatch=monkeypatch)
    params = sorted(c.args["name"] for c in result.mocks.calls if c.token == "aws:ssm/getParameter:getParameter")
    assert params == ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
                      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"]
    assert result.named("kafka-server-java").inputs["create"] == "sudo bash /home/ec2-user/kp-java/apply.sh"
    assert "JAVA_PACKAGE='java-17-amazon-corretto-headless'" in rendered(result, "kafka-server", "java")["stage.env"]
    assert result.value("sshBroker")[0].split()[-1].startswith("ec2-user@")



def test_everything_is_tagged_with_project_stack_and_ttl(monkeypatch):
    result = run({**DEV, "students": ["ana"]}, stack="class", monkeypatch=monkeypatch)
    for instance in result.of_type("aws:ec2/instance:Instance"):
        tags = instance.inputs["tags"]
        assert tags["Project"] == "kafka-pipeline" and tags["Stack"] == "class"
        assert tags["kafka-pipeline:ttl-hours"] == "4"
        if "producer" in instance.name or "consumer" in instance.name:
            assert tags["Student"] == "ana"



def test_security_group_texts_use_only_what_aws_accepts(dev):
    import re
    allowed = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}$")  # EC2's documented set
    texts = [r.inputs.get("description", "") for r in dev.mocks.resources
             if r.typ.startswith(("aws:ec2/securityGroup", "aws:vpc/securityGroup"))]
    assert texts and all(allowed.match(t) for t in texts), texts



def test_removing_a_student_moves_no_other_students_hosts(monkeypatch):
    def inputs(students):
        result = run({**DEV, "students": students}, stack="class", monkeypatch=monkeypatch)
        return {r.name: r.inputs for r in result.of_type("aws:ec2/instance:Instance")}
    before, after = inputs(["ana", "ben", "cho"]), inputs(["ana", "cho"])
    assert set(before) - set(after) == {"kafka-producer-ben", "kafka-consumer-ben"}
    for name in after:
        assert after[name]["subnetId"] == before[name]["subnetId"], name



def test_hosts_go_only_to_zones_that_offer_their_instance_type(monkeypatch):
    not_offered = (("ap-northeast-2b", "t4g.medium"), ("ap-northeast-2a", "t4g.small"))
    config = {**DEV, "kafka": {"brokers": 3, "instanceType": "t4g.medium"}, "producer": {"instanceType": "t4g.small"},
              "consumer": {"instanceType": "t4g.small"}}
    result = run(config, monkeypatch=monkeypatch, mocks=Mocks(not_offered=not_offered))
    instances = result.of_type("aws:ec2/instance:Instance")
    subnets = {r.name: r.inputs["subnetId"] for r in instances}
    zone_of = {subnet: zone for subnet, zone in ZONES.items()}
    for r in instances:
        assert (zone_of[r.inputs["subnetId"]], r.inputs["instanceType"]) not in not_offered, r.name
    # Brokers go round the zones that offer their type (2a, 2c), in zone order.
    assert [subnets[n] for n in ("kafka-server", "kafka-server-2", "kafka-server-3")] == [
        "subnet-a", "subnet-c", "subnet-a"]
    # The pipeline (placement 0) takes the first zone that offers the Logstash type: 2b, not 2a.
    assert (subnets["kafka-producer"], subnets["kafka-consumer"]) == ("subnet-b", "subnet-b")



def test_a_region_without_a_default_vpc_says_what_to_do(monkeypatch):
    mocks = Mocks()
    answer = mocks.call

    def call(args):
        if args.token == "aws:ec2/getVpc:getVpc":
            return {}, [("", "no matching EC2 VPC found")]
        return answer(args)

    monkeypatch.setattr(mocks, "call", call)
    with pytest.raises(pulumi.RunError) as error:
        run(DEV, monkeypatch=monkeypatch, mocks=mocks)
    assert "aws ec2 create-default-vpc --region ap-northeast-2" in str(error.value)
    assert not [r for r in mocks.resources if r.typ.startswith("aws:")]


def _connection(resource) -> dict:
    # The connection holds the private key, so it arrives as a secret.
    connection = resource.inputs["connection"]
    return connection.get("value", connection)


def _host_of(result, resource) -> str:
    """The instance a remote command or copy runs on: its name is the host's name and a stage."""
    names = [i.name for i in result.of_type("aws:ec2/instance:Instance") if resource.name.startswith(f"{i.name}-")]
    return max(names, key=len)


def _remote(result) -> list:
    return [*result.of_type("command:remote:Command"), *result.of_type("command:remote:CopyToRemote")]


def test_stopped_instances_are_started_and_reached_at_their_new_addresses(monkeypatch):
    # As `up` sees a lab after the TTL guard stopped it: the refresh reports each instance stopped,
    # without a public address.
    result = run(DEV, monkeypatch=monkeypatch, mocks=Mocks(stopped=True))
    instances = result.of_type("aws:ec2/instance:Instance")
    powers = result.of_type("aws:ec2transitgateway/instanceState:InstanceState")
    assert sorted(p.inputs["instanceId"] for p in powers) == sorted(f"{i.name}-id" for i in instances)
    assert all(p.inputs["state"] == "running" for p in powers)
    # Each address is read from its instance once it runs; the stale (empty) one is never dialled.
    started = result.mocks.started
    assert len(set(started.values())) == len(instances)
    for resource in _remote(result):
        host = _host_of(result, resource)
        assert _connection(resource)["host"] == started[f"{host}-id"], resource.name
        assert f"{host}-running" in result.waits_for(resource.name), resource.name
    # The exports name the new addresses: the commands a user pastes next reach the hosts.
    hosts = result.value("hosts")
    assert {name: h["address"] for name, h in hosts.items()} == {
        "broker-1": started["kafka-server-id"], "producer": started["kafka-producer-id"],
        "consumer": started["kafka-consumer-id"]}
    assert result.value("sshBroker") == [f"ssh -i ~/.ssh/kafka-pipeline-dev.pem admin@{started['kafka-server-id']}"]
    assert result.value("sshProducer").endswith(f"admin@{started['kafka-producer-id']}")
    assert result.value("sshConsumer").endswith(f"admin@{started['kafka-consumer-id']}")


def test_each_host_waits_for_its_own_instance_to_run_and_no_other(dev):
    powers = {r.name for r in dev.of_type("aws:ec2transitgateway/instanceState:InstanceState")}
    assert powers == {"kafka-server-running", "kafka-producer-running", "kafka-consumer-running"}
    for resource in _remote(dev):
        running = {w for w in dev.waits_for(resource.name) if w in powers}
        # The producer and consumer also wait for the broker's private address, never its power.
        assert f"{_host_of(dev, resource)}-running" in running, resource.name
