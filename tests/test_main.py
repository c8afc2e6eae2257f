"""The whole program under mocks: resource graph, wiring, security settings, secrets."""
from __future__ import annotations

import json

import pulumi
import pytest

from tests.program import Mocks, run, stack_config

DEV = {"sshCidrs": ["198.51.100.7/32"]}


@pytest.fixture
def dev(monkeypatch):
    return run(DEV, monkeypatch=monkeypatch)


def test_dev_has_three_instances_and_the_three_components(dev):
    assert sorted(r.name for r in dev.of_type("aws:ec2/instance:Instance")) == [
        "kafka-consumer", "kafka-producer", "kafka-server"]
    for token in ("KafkaServer", "LogstashProducer", "LogstashConsumer"):
        assert len(dev.of_type(f"kafka-pipeline:index:{token}")) == 1


SECRET_SIG = "4dabf18193072939515e22adb298388d"


def is_secret(value) -> bool:
    return isinstance(value, dict) and SECRET_SIG in value


def rendered(run, child: str, stage: str) -> dict[str, str]:
    """The bundle a stage's CopyToRemote ships, read back from its FileArchive."""
    from pathlib import Path
    source = run.named(f"{child}-{stage}-files").inputs["source"]
    folder = Path(source.path)
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*") if p.is_file()}


def test_producer_and_consumer_configs_carry_the_brokers_private_ip(dev):
    broker_ip = dev.value("brokerPrivateIps")[0]
    producer = rendered(dev, "kafka-producer", "pipeline")["files/000"]
    consumer = rendered(dev, "kafka-consumer", "pipeline")["files/000"]
    assert f'bootstrap_servers => "{broker_ip}:9092"' in producer
    assert f'bootstrap_servers => "{broker_ip}:9092"' in consumer
    assert dev.value("bootstrapServers") == f"{broker_ip}:9092"


def test_broker_advertises_its_own_private_ip(dev):
    broker_ip = dev.value("brokerPrivateIps")[0]
    props = rendered(dev, "kafka-server", "kafka")["files/000"]
    assert f"advertised.listeners=PLAINTEXT://{broker_ip}:9092," in props
    assert "log.dirs=/var/lib/kafka/data" in props


def test_security_group_allows_ssh_from_operator_and_kafka_only_inside(dev):
    ingress = dev.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    ssh = [r for r in ingress if r.inputs["fromPort"] == 22]
    assert [r.inputs["cidrIpv4"] for r in ssh] == ["198.51.100.7/32"]
    kafka = [r for r in ingress if r.inputs["fromPort"] != 22]
    assert len(kafka) == 1 and kafka[0].inputs["fromPort"] == 9092 and kafka[0].inputs["toPort"] == 9093
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


def test_instances_require_imdsv2_encrypt_disks_and_stop_on_shutdown(dev):
    for instance in dev.of_type("aws:ec2/instance:Instance"):
        assert instance.inputs["metadataOptions"]["httpTokens"] == "required"
        assert instance.inputs["rootBlockDevice"]["encrypted"] is True
        assert instance.inputs["instanceInitiatedShutdownBehavior"] == "stop"
        assert instance.inputs["vpcSecurityGroupIds"] == ["pipeline-sg-id"]


def test_instance_architecture_follows_the_instance_type(dev):
    amis = {r.name: r.inputs["ami"] for r in dev.of_type("aws:ec2/instance:Instance")}
    assert amis == {"kafka-server": "ami-x86", "kafka-producer": "ami-arm", "kafka-consumer": "ami-arm"}
    params = sorted(c.args["name"] for c in dev.mocks.calls if c.token == "aws:ssm/getParameter:getParameter")
    # The default OS is the Debian release the local platform rehearses, from Debian's own AMIs.
    assert params == ["/aws/service/debian/release/12/latest/amd64", "/aws/service/debian/release/12/latest/arm64"]


def test_amazon_linux_stays_selectable_with_its_user_and_packages(monkeypatch):
    result = run({**DEV, "os": "al2023"}, monkeypatch=monkeypatch)
    params = sorted(c.args["name"] for c in result.mocks.calls if c.token == "aws:ssm/getParameter:getParameter")
    assert params == ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
                      "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"]
    assert result.named("kafka-server-java").inputs["create"] == "sudo bash /home/ec2-user/kp-java/apply.sh"
    assert "JAVA_PACKAGE='java-17-amazon-corretto-headless'" in rendered(result, "kafka-server", "java")["stage.env"]
    assert result.value("sshBroker")[0].split()[-1].startswith("ec2-user@")


def test_private_key_is_secret_everywhere(dev):
    assert dev.is_secret("sshPrivateKey")
    for command in dev.of_type("command:remote:Command") + dev.of_type("command:remote:CopyToRemote"):
        assert is_secret(command.inputs["connection"]), command.name


def test_stage_commands_run_in_order_and_wait_for_ssh(dev):
    commands = [r.name for r in dev.of_type("command:remote:Command")]
    assert [c for c in commands if c.startswith("kafka-server")] == [
        "kafka-server-base", "kafka-server-java", "kafka-server-kafka", "kafka-server-topics"]
    assert [c for c in commands if c.startswith("kafka-producer")] == [
        "kafka-producer-base", "kafka-producer-logstash", "kafka-producer-pipeline"]
    conn = dev.named("kafka-producer-base").inputs["connection"]["value"]
    assert conn["dialErrorLimit"] >= 30


def test_stdin_of_every_command_is_secret(dev):
    for command in dev.of_type("command:remote:Command"):
        assert is_secret(command.inputs["stdin"]), command.name
        assert "sudo bash /home/admin/kp-" in command.inputs["create"]


def triggers(run) -> dict[str, str]:
    return {r.name: r.inputs["triggers"][0] for r in run.of_type("command:remote:CopyToRemote")}


def test_changing_one_stage_changes_only_that_stages_trigger(monkeypatch):
    before = triggers(run(DEV, monkeypatch=monkeypatch))
    after = triggers(run({**DEV, "kafka": {"heapMb": 2048}}, monkeypatch=monkeypatch))
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == ["kafka-server-kafka-files"]


def test_exports_give_ready_to_paste_commands(dev):
    assert dev.value("sshBroker")[0].startswith("ssh -i ~/.ssh/kafka-pipeline-dev.pem admin@203.0.113.")
    assert dev.value("watchConsumer").endswith("sudo journalctl -u logstash -f -o cat")
    (tunnel,) = dev.value("kafkaTunnels")
    assert tunnel.endswith(" -N -L 9094:localhost:9094")
    assert dev.value("operatorBootstrap") == "localhost:9094"
    assert dev.value("topics") == ["twitter"]
    assert "STACK=dev scripts/pulumi.sh stack output --show-secrets sshPrivateKey" in dev.value("saveSshKey")


def test_class_stack_gives_each_student_a_pipeline(monkeypatch):
    result = run({**DEV, "students": ["ana", "ben", "cho"]}, stack="class", monkeypatch=monkeypatch)
    names = sorted(r.name for r in result.of_type("aws:ec2/instance:Instance"))
    assert names == ["kafka-consumer-ana", "kafka-consumer-ben", "kafka-consumer-cho",
                     "kafka-producer-ana", "kafka-producer-ben", "kafka-producer-cho", "kafka-server"]
    students = result.value("students")
    assert students["ben"]["topic"] == "twitter-ben"
    assert result.value("topics") == ["twitter", "twitter-ana", "twitter-ben", "twitter-cho"]
    consumer = rendered(result, "kafka-consumer-ben", "pipeline")["files/000"]
    assert 'topics => ["twitter-ben"]' in consumer and 'group_id => "logstash-ben"' in consumer


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
    stdin = result.named("kafka-producer-pipeline").inputs["stdin"]
    assert is_secret(stdin) and "SOURCE_CONSUMER_SECRET\t" in stdin["value"]
    assert '"${SINK_PASSWORD}"' in rendered(result, "kafka-consumer", "pipeline")["files/000"]


def test_three_brokers_spread_over_zones_and_every_client_names_them_all(monkeypatch):
    result = run({**DEV, "kafka": {"brokers": 3}}, monkeypatch=monkeypatch)
    brokers = [r for r in result.of_type("aws:ec2/instance:Instance") if r.name.startswith("kafka-server")]
    assert sorted(b.name for b in brokers) == ["kafka-server-1", "kafka-server-2", "kafka-server-3"]
    assert sorted(b.inputs["subnetId"] for b in brokers) == ["subnet-a", "subnet-b", "subnet-c"]
    ips = result.value("brokerPrivateIps")
    bootstrap = ",".join(f"{ip}:9092" for ip in ips)
    assert result.value("bootstrapServers") == bootstrap
    for host in ("kafka-producer", "kafka-consumer"):
        assert f'bootstrap_servers => "{bootstrap}"' in rendered(result, host, "pipeline")["files/000"]
    producer = rendered(result, "kafka-producer", "pipeline")["files/000"]
    assert 'acks => "all"' in producer
    props = rendered(result, "kafka-server-2", "kafka")["files/000"]
    assert "node.id=2" in props and "min.insync.replicas=2" in props
    assert "controller.quorum.voters=" + ",".join(f"{i}@{ip}:9093" for i, ip in enumerate(ips, 1)) in props
    topics = rendered(result, "kafka-server-1", "topics")["files/000"]
    assert "--replication-factor 3" in topics
    # Each broker advertises its own operator port; one tunnel per broker reaches every leader.
    for n in (1, 2, 3):
        port = 9093 + n
        assert f"OPERATOR://localhost:{port}" in rendered(result, f"kafka-server-{n}", "kafka")["files/000"]
    assert result.value("operatorBootstrap") == "localhost:9094,localhost:9095,localhost:9096"
    tunnels = result.value("kafkaTunnels")
    assert [t.split()[-1] for t in tunnels] == [f"{p}:localhost:{p}" for p in (9094, 9095, 9096)]
    assert [t.split("@")[1].split()[0] for t in tunnels] == result.value("brokerAddresses")
    # Topics wait for the whole quorum.
    first = result.named("kafka-server-1-topics")
    assert first is not None


def test_adding_a_student_touches_only_that_students_resources(monkeypatch):
    def names(students):
        result = run({**DEV, "students": students}, stack="class", monkeypatch=monkeypatch)
        return {r.name: r.inputs.get("triggers") for r in result.mocks.resources}
    before, after = names(["ana", "ben"]), names(["ana", "ben", "cho"])
    assert set(before) <= set(after)
    added = set(after) - set(before)
    assert added and all("cho" in name for name in added)
    changed = [n for n in before if before[n] != after[n]]
    # The broker's topic list gains twitter-cho; no other student's resources change.
    assert sorted(changed) == ["kafka-server-topics", "kafka-server-topics-files"], changed


def test_everything_is_tagged_with_project_stack_and_ttl(monkeypatch):
    result = run({**DEV, "students": ["ana"]}, stack="class", monkeypatch=monkeypatch)
    for instance in result.of_type("aws:ec2/instance:Instance"):
        tags = instance.inputs["tags"]
        assert tags["Project"] == "kafka-pipeline" and tags["Stack"] == "class"
        assert tags["kafka-pipeline:ttl-hours"] == "4"
        if "producer" in instance.name or "consumer" in instance.name:
            assert tags["Student"] == "ana"


def test_hourly_cost_comes_from_the_price_list_for_every_instance(dev):
    cost = dev.value("estimatedCost")
    assert cost["usdPerHour"] == pytest.approx(0.05 + 2 * 0.02)
    assert cost["instances"]["t4g.small"] == {"count": 2, "usdPerHour": 0.02}
    lookups = [c for c in dev.mocks.calls if c.token == "aws:pricing/getProduct:getProduct"]
    assert len(lookups) == 2 and all(c.provider and "pricing" in c.provider for c in lookups)
    filters = {f["field"]: f["value"] for f in lookups[0].args["filters"]}
    assert filters["regionCode"] == "ap-northeast-2" and filters["operatingSystem"] == "Linux"
    provider = dev.named("pricing")
    assert provider.inputs["region"] == "us-east-1"


def test_class_cost_counts_every_students_hosts(monkeypatch):
    result = run({**DEV, "students": ["ana", "ben", "cho"]}, stack="class", monkeypatch=monkeypatch)
    assert result.value("estimatedCost")["usdPerHour"] == pytest.approx(0.05 + 6 * 0.02)


def test_a_failing_price_lookup_never_stops_a_deployment(monkeypatch):
    mocks = Mocks()
    answer = mocks.call

    def call(args):
        if args.token == "aws:pricing/getProduct:getProduct":
            # As a provider reports it: a failed invoke, not a crashed engine.
            return {}, [("", "AccessDeniedException: not authorized to perform pricing:GetProducts")]
        return answer(args)

    monkeypatch.setattr(mocks, "call", call)
    result = run(DEV, monkeypatch=monkeypatch, mocks=mocks)
    estimate = result.value("estimatedCost")
    assert estimate["usdPerHour"] is None and "pricing:GetProducts" in estimate["note"]
    assert len(result.of_type("aws:ec2/instance:Instance")) == 3


def test_producer_and_consumer_wait_for_the_brokers_ip_not_its_installation(dev):
    for host in ("kafka-producer", "kafka-consumer"):
        waits = dev.waits_for(f"{host}-pipeline")
        assert "kafka-server" in waits  # the instance: its private IP is in the pipeline config
        assert not any(w.startswith("kafka-server-") for w in waits), sorted(waits)
        assert {f"{host}-base", f"{host}-logstash", f"{host}-pipeline-files"} <= waits


def test_topics_wait_for_every_broker_of_the_quorum(monkeypatch):
    result = run({**DEV, "kafka": {"brokers": 3}}, monkeypatch=monkeypatch)
    assert {"kafka-server-1-kafka", "kafka-server-2-kafka", "kafka-server-3-kafka"} <= result.waits_for(
        "kafka-server-1-topics")


def test_security_group_texts_use_only_what_aws_accepts(dev):
    import re
    allowed = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}$")  # EC2's documented set
    texts = [r.inputs.get("description", "") for r in dev.mocks.resources
             if r.typ.startswith(("aws:ec2/securityGroup", "aws:vpc/securityGroup"))]
    assert texts and all(allowed.match(t) for t in texts), texts


def test_nothing_per_login_or_per_machine_enters_a_commands_inputs(monkeypatch):
    """With the user's own key, SSH goes through their agent; its socket path changes every login
    and must not re-run every stage."""
    key = {**DEV, "sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIByourkey user@laptop"}

    def inputs(agent_socket):
        monkeypatch.setenv("SSH_AUTH_SOCK", agent_socket)
        result = run(key, monkeypatch=monkeypatch)
        # An archive compares by identity; its folder (same path, same bytes) is what counts.
        return {r.name: {k: v.path if isinstance(v, pulumi.FileArchive) else v for k, v in r.inputs.items()}
                for r in result.mocks.resources if r.typ.startswith("command:")}

    first, second = inputs("/tmp/ssh-AAAA/agent.1"), inputs("/tmp/ssh-BBBB/agent.2")
    assert first == second
    assert not any("agentSocketPath" in str(i.get("connection")) for i in first.values())


def test_a_stage_re_runs_when_an_earlier_stage_on_its_host_changes(monkeypatch):
    """A bigger Logstash heap is placed by the logstash stage and acted on by the pipeline stage
    (which restarts the service): both re-run, on the Logstash hosts only."""
    def command_triggers(config):
        result = run(config, monkeypatch=monkeypatch)
        return {r.name: r.inputs["triggers"] for r in result.of_type("command:remote:Command")}
    before, after = command_triggers(DEV), command_triggers({**DEV, "logstash": {"heapMb": 1024}})
    assert sorted(n for n in before if before[n] != after[n]) == [
        "kafka-consumer-logstash", "kafka-consumer-pipeline", "kafka-producer-logstash", "kafka-producer-pipeline"]


def test_removing_a_student_moves_no_other_students_hosts(monkeypatch):
    def inputs(students):
        result = run({**DEV, "students": students}, stack="class", monkeypatch=monkeypatch)
        return {r.name: r.inputs for r in result.of_type("aws:ec2/instance:Instance")}
    before, after = inputs(["ana", "ben", "cho"]), inputs(["ana", "cho"])
    assert set(before) - set(after) == {"kafka-producer-ben", "kafka-consumer-ben"}
    for name in after:
        assert after[name]["subnetId"] == before[name]["subnetId"], name


def test_hosts_go_only_to_zones_that_offer_their_instance_type(monkeypatch):
    mocks = Mocks(not_offered=(("ap-northeast-2b", "t3.medium"),))
    result = run({**DEV, "kafka": {"brokers": 3}}, monkeypatch=monkeypatch, mocks=mocks)
    subnets = {r.name: r.inputs["subnetId"] for r in result.of_type("aws:ec2/instance:Instance")}
    assert [subnets[f"kafka-server-{n}"] for n in (1, 2, 3)] == ["subnet-a", "subnet-c", "subnet-a"]
    assert subnets["kafka-producer"] in ("subnet-a", "subnet-b", "subnet-c")


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


def test_a_sink_or_mirror_on_another_port_gets_its_egress_and_nothing_inward(monkeypatch):
    config = {**DEV, "consumer": {"sink": {"type": "opensearch", "hosts": ["https://search.example.org:9200"]}},
              "kafka": {"downloadUrl": "http://mirror.example.org:8080/kafka"}}
    result = run(config, monkeypatch=monkeypatch)
    egress = result.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert sorted(r.inputs["fromPort"] for r in egress if r.inputs.get("cidrIpv4") == "0.0.0.0/0") == [80, 443, 8080, 9200]
    ingress = result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert all(r.inputs["fromPort"] in (22, 9092) for r in ingress)


def test_the_pricing_provider_acts_as_the_stacks_aws_user(monkeypatch):
    result = run(DEV, monkeypatch=monkeypatch, aws={"profile": "lab", "sharedCredentialsFiles": '["/home/me/.aws/creds"]'})
    provider = result.named("pricing").inputs
    assert provider["region"] == "us-east-1" and provider["profile"] == "lab"
    # A provider's non-string inputs travel JSON-encoded.
    assert json.loads(provider["sharedCredentialsFiles"]) == ["/home/me/.aws/creds"]


def test_a_kafka_user_gets_where_kafka_lives_and_commands_to_look_at_it(dev):
    ip = dev.value("brokerPrivateIps")[0]
    assert dev.value("kafkaOnBroker")["home"] == "/opt/kafka"
    assert dev.value("kafkaOnBroker")["data"] == "/var/lib/kafka/data"
    assert dev.value("listTopics").endswith(f"/opt/kafka/bin/kafka-topics.sh --bootstrap-server {ip}:9092 --list")
    assert dev.value("consoleConsumer").endswith(
        f"kafka-console-consumer.sh --bootstrap-server {ip}:9092 --topic twitter --from-beginning")
    assert dev.value("consoleConsumer").startswith("ssh -i ~/.ssh/kafka-pipeline-dev.pem admin@")
