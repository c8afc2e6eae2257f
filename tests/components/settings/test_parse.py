"""Config validation: every bad value is refused with its key path, the value and what is allowed."""
from __future__ import annotations

import pytest

import functools
import re

from components import releases
from components.errors import ConfigError
from components.registries import PLUGINS
from components.settings import keys, parse as parse_with
from components.settings.parse import refuse_downgrade
from tests.settings import make as settings

# The parser as the program calls it: with the Logstash layer's plugin registries.
parse = functools.partial(parse_with, plugins=PLUGINS)


LOGIN = {"username": "u", "password": "p"}
LOGINS = {"producer": LOGIN, "consumer": LOGIN}
EXISTING_SASL = {"provider": "existing", "bootstrapServers": ["k:9096"], "security": "sasl_ssl"}
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"

BAD = [
    # (raw config, key path named, a piece of the "allowed" text)
    ({"sshCidrs": ["10.0.0.1"]}, "sshCidrs[0]", "CIDR"),
    ({"sshCidrs": ["10.0.0.1/33"]}, "sshCidrs[0]", "CIDR"),
    ({"sshCidrs": ["10.0.0.1/24"]}, "sshCidrs[0]", "host bits zero"),
    ({"sshCidrs": []}, "sshCidrs", "non-empty list"),
    ({"sshCidrs": "1.2.3.4/32"}, "sshCidrs", "non-empty list"),
    ({"ttlHours": -1}, "ttlHours", "number from 0"),
    ({"ttlHours": "soon"}, "ttlHours", "number from 0"),
    ({"ttlHours": True}, "ttlHours", "number from 0"),
    ({"ttlHours": 0.2}, "ttlHours", "0 (never stop) or at least 0.5: the hosts would stop themselves before a deployment"),
    ({"ttlHours": 24 * 365 + 1}, "ttlHours", "to 8760"),
    ({"students": ["Ana"]}, "students[0]", "lowercase"),
    ({"students": ["ana", "ana"]}, "students[1]", "duplicate"),
    ({"students": ["-ana"]}, "students[0]", "lowercase"),
    ({"students": "ana"}, "students", "list"),
    ({"kafka": {"topics": [{"name": "t" * 240}]}, "students": ["abcdefghi"]}, "students[0]",
     f"the student topic {'t' * 240}-abcdefghi would exceed 249 characters"),
    ({"kafka": {"version": "4.9.9"}}, "kafka.version", "allowed: 4.3.1"),
    ({"kafka": {"version": "latest"}}, "kafka.version", "allowed:"),
    ({"kafka": {"mode": "zk"}}, "kafka.mode", "allowed: kraft, zookeeper"),
    ({"kafka": {"mode": "zookeeper"}}, "kafka.mode", "3.9.1"),
    ({"kafka": {"version": "3.0.0"}}, "kafka.mode", "supports zookeeper"),
    ({"kafka": {"brokers": 2}}, "kafka.brokers", "allowed: 1, 3"),
    ({"kafka": {"brokers": 3, "mode": "zookeeper", "version": "3.9.1"}}, "kafka.brokers", "kraft mode only"),
    ({"kafka": {"instanceType": "medium"}}, "kafka.instanceType", "EC2 instance type"),
    ({"kafka": {"instanceType": "T3.Medium"}}, "kafka.instanceType", "EC2 instance type"),
    ({"kafka": {"topics": []}}, "kafka.topics", "non-empty list"),
    ({"kafka": {"topics": [{"name": "a b"}]}}, "kafka.topics[0].name", "topic name"),
    ({"kafka": {"topics": [{"name": ".."}]}}, "kafka.topics[0].name", "not valid"),
    ({"kafka": {"topics": [{"name": "a"}, {"name": "a"}]}}, "kafka.topics[1].name", "duplicate"),
    ({"kafka": {"topics": [{"name": "a", "partitions": 0}]}}, "kafka.topics[0].partitions", "from 1 to 1000"),
    ({"kafka": {"topics": [{"name": "a", "replicationFactor": 3}]}}, "kafka.topics[0].replicationFactor", "from 1 to 1"),
    ({"kafka": {"topics": [{"name": "a", "partitons": 3}]}}, "kafka.topics[0].partitons", "unknown key"),
    ({"kafka": {"downloadUrl": "ftp://mirror/kafka"}}, "kafka.downloadUrl", "http(s) URL"),
    ({"kafka": {"heapMb": 64}}, "kafka.heapMb", "from 256"),
    ({"kafka": {"verison": "4.3.1"}}, "kafka.verison", "unknown key"),
    ({"kafka": {"provider": "kafka"}}, "kafka.provider", "allowed: ours, msk, existing"),
    ({"platform": "local", "kafka": {"provider": "msk"}}, "kafka.provider",
     "Amazon MSK is an AWS service and this stack's platform is local: use kafka.provider ours"),
    ({"kafka": {"provider": "msk", "security": "plaintext"}}, "kafka.security",
     "the MSK cluster takes SASL/SCRAM logins over TLS only"),
    ({"kafka": {"provider": "msk", "version": "4.3.1"}}, "kafka.version",
     "does not apply with kafka.provider msk (its settings are under kafka.msk): remove it"),
    ({"kafka": {"provider": "msk", "brokers": 3}}, "kafka.brokers", "does not apply with kafka.provider msk"),
    ({"kafka": {"provider": "msk", "bootstrapServers": ["k:9092"]}}, "kafka.bootstrapServers",
     "does not apply with kafka.provider msk"),
    ({"kafka": {"provider": "msk", "logins": LOGINS}}, "kafka.logins", "does not apply with kafka.provider msk"),
    ({"kafka": {"msk": {"brokers": 3}}}, "kafka.msk", "only with kafka.provider msk (this stack's provider is ours)"),
    ({"kafka": {"provider": "msk", "msk": {"version": "4.3.1"}}}, "kafka.msk.version",
     "allowed: 3.8.x, 3.9.x, 4.0.x.kraft, 4.1.x.kraft"),
    ({"kafka": {"provider": "msk", "msk": {"brokers": 1}}}, "kafka.msk.brokers", "allowed: 2, 3"),
    ({"kafka": {"provider": "msk", "msk": {"volumeGb": 0}}}, "kafka.msk.volumeGb", "from 1 to 16384"),
    ({"kafka": {"provider": "msk", "msk": {"instanceType": "t3.small"}}}, "kafka.msk.instanceType",
     "an MSK broker type such as kafka.t3.small"),
    ({"kafka": {"provider": "msk", "topics": [{"name": "a", "replicationFactor": 3}]}},
     "kafka.topics[0].replicationFactor", "from 1 to 2"),
    ({"kafka": {"security": "ssl"}}, "kafka.security", "allowed: plaintext, sasl_ssl"),
    ({"kafka": {"security": "sasl_ssl", "mode": "zookeeper", "version": "3.9.1"}}, "kafka.security",
     "offered in kraft mode only (the ZooKeeper mode keeps the tutorial's plaintext): set kafka.security plaintext, "
     "or kafka.mode kraft"),
    ({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"], "security": "sasl_ssl"}},
     "kafka.logins.producer", "required with kafka.security sasl_ssl on an existing Kafka: every pipeline's login "
     "(producer, consumer)"),
    ({"kafka": {**EXISTING_SASL, "logins": {"producer": LOGIN}}}, "kafka.logins.consumer", "(producer, consumer)"),
    ({"kafka": {**EXISTING_SASL, "logins": {**LOGINS, "consumer-ana": LOGIN}}}, "kafka.logins.consumer-ana",
     "no pipeline of this stack logs in as consumer-ana (its logins: producer, consumer): remove it"),
    ({"kafka": {**EXISTING_SASL, "logins": LOGINS}, "students": ["ana"]}, "kafka.logins.producer-ana",
     "every pipeline's login (producer-ana, consumer-ana)"),
    ({"kafka": {**EXISTING_SASL, "logins": {**LOGINS, "consumer": {"password": 'a"b'}}}},
     "kafka.logins.consumer.password", "without spaces, double quotes or backslashes"),
    ({"kafka": {**EXISTING_SASL, "logins": {**LOGINS, "consumer": {"username": "a b", "password": "p"}}}},
     "kafka.logins.consumer.username", "without spaces, double quotes or backslashes"),
    ({"kafka": {**EXISTING_SASL, "logins": {**LOGINS, "consumer": {"pasword": "p"}}}},
     "kafka.logins.consumer.pasword", "unknown key; allowed: username, password"),
    ({"kafka": {**EXISTING_SASL, "logins": {**LOGINS, "consumer": {"username": "c"}}}},
     "kafka.logins.consumer.password", "non-empty string (set it with pulumi config set --secret"),
    ({"kafka": {**EXISTING_SASL, "logins": {**LOGINS, "consumer": "s3cret"}}}, "kafka.logins.consumer",
     "expected {username, password}"),
    ({"kafka": {**EXISTING_SASL, "logins": LOGINS, "saslMechanism": "GSSAPI"}}, "kafka.saslMechanism",
     "allowed: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN"),
    ({"kafka": {**EXISTING_SASL, "logins": LOGINS, "caCertificate": "ca.pem"}}, "kafka.caCertificate",
     "one or more PEM certificates"),
    ({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"], "logins": LOGINS}}, "kafka.logins",
     "applies with kafka.security sasl_ssl only"),
    ({"kafka": {"logins": LOGINS}}, "kafka.logins", "applies to a Kafka you run (kafka.provider existing); our "
                                                    "brokers make their own logins (SCRAM-SHA-512) and certificates"),
    ({"kafka": {"saslMechanism": "PLAIN"}}, "kafka.saslMechanism", "applies to a Kafka you run"),
    ({"kafka": {"provider": "existing"}}, "kafka.bootstrapServers", "required with kafka.provider existing"),
    ({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"], "brokers": 3}}, "kafka.brokers",
     "applies to our own brokers only; with kafka.provider existing the stack creates no broker: remove it"),
    ({"kafka": {"bootstrapServers": ["k:9092"]}}, "kafka.bootstrapServers",
     "only with kafka.provider existing (this stack's provider is ours"),
    ({"kafka": {"provider": "existing", "bootstrapServers": []}}, "kafka.bootstrapServers", "non-empty list of host:port"),
    ({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092", "k"]}}, "kafka.bootstrapServers[1]",
     "expected host:port with a port from 1 to 65535"),
    ({"kafka": {"provider": "existing", "bootstrapServers": ["k:70000"]}}, "kafka.bootstrapServers[0]", "from 1 to 65535"),
    ({"kafka": {"provider": "existing", "bootstrapServers": ["-k:9092"]}}, "kafka.bootstrapServers[0]", "host:port"),
    ({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"],
                "topics": [{"name": "a"}, {"name": "b", "replicationFactor": 3}]}}, "kafka.topics[1].replicationFactor",
     "applies to topics our brokers create; with kafka.provider existing your topics exist already: remove it"),
    ({"kafka": "big"}, "kafka", "expected an object"),
    ({"logstash": {"version": "7.4.0"}}, "logstash.version", "allowed: 9.5.3"),
    ({"logstash": {"heapMb": 128}}, "logstash.heapMb", "from 256"),
    ({"logstash": {"heapMb": 40000}}, "logstash.heapMb", "to 32768"),
    ({"logstash": {"heapMb": "big"}}, "logstash.heapMb", "from 256"),
    ({"producer": {"instanceType": "x"}}, "producer.instanceType", "EC2 instance type"),
    ({"producer": {"topic": "nope"}}, "producer.topic", "allowed: twitter"),
    ({"producer": {"source": {"type": "kinesis"}}}, "producer.source.type", "allowed: generator"),
    ({"producer": {"source": {"kind": "generator"}}}, "producer.source", "with a type"),
    ({"producer": {"source": {"type": "generator", "count": -5}}}, "producer.source.count", "from 0"),
    ({"producer": {"source": {"type": "generator", "mesage": "x"}}}, "producer.source.mesage", "unknown option"),
    ({"producer": {"acks": "2"}}, "producer.acks", "allowed: 0, 1, all"),
    ({"producer": {"compression": "brotli"}}, "producer.compression", "allowed: none"),
    ({"consumer": {"instanceType": ""}}, "consumer.instanceType", "EC2 instance type"),
    ({"consumer": {"topics": ["missing"]}}, "consumer.topics[0]", "allowed: twitter"),
    ({"consumer": {"topics": []}}, "consumer.topics", "at least 1"),
    ({"consumer": {"topics": ["a b"]}}, "consumer.topics[0]", "topic names"),
    ({"consumer": {"groupId": "my group"}}, "consumer.groupId", "consumer group id"),
    ({"consumer": {"sink": {"type": "kafka"}}}, "consumer.sink.type", "allowed: stdout"),
    ({"consumer": {"sink": {"type": "stdout", "metadata": "maybe"}}}, "consumer.sink.metadata", "true or false"),
    ({"consumer": {"autoOffsetReset": "middle"}}, "consumer.autoOffsetReset", "allowed: earliest, latest"),
    ({"sshPublicKey": ""}, "sshPublicKey", "OpenSSH public key"),
    ({"sshPublicKey": "my laptop key"}, "sshPublicKey", "OpenSSH public key"),
    ({"colour": "blue"}, "colour", "unknown key"),
    ({"platform": "gcp"}, "platform", "allowed: aws, local"),
    ({"os": "ubuntu-24.04"}, "os", "allowed: debian-13, debian-12, al2023"),
    ({"platform": "local", "os": "al2023"}, "os", "boots debian-13, debian-12 only"),
    ({"platform": "local", "local": {"subnet": "8.8.8.0/24"}}, "local.subnet", "private IPv4 subnet"),
    ({"platform": "local", "local": {"subnet": "10.0.0.0/8"}}, "local.subnet", "/16 to /26"),
    ({"platform": "local", "local": {"bridge": "br0"}}, "local.bridge", "unknown key"),
    ({"kafka": {"sha512": "abc"}}, "kafka.sha512", "128 hex digits"),
    ({"logstash": {"sha512": "z" * 128}}, "logstash.sha512", "128 hex digits"),
    ({"logstash": {"downloadUrl": "mirror"}}, "logstash.downloadUrl", "http(s) URL"),
]


@pytest.mark.parametrize("raw, path, allowed", BAD, ids=[p for _, p, _ in BAD])
def test_bad_values_are_refused_naming_the_key_value_and_what_is_allowed(raw, path, allowed):
    with pytest.raises(ConfigError) as error:
        settings(raw)
    message = str(error.value)
    assert error.value.path == path, message
    assert message.startswith(f"invalid config {path} = "), message
    assert allowed in message, message


def test_an_existing_kafka_with_sasl_ssl_takes_each_pipelines_login_its_mechanism_and_ca():
    s = settings({"kafka": {**EXISTING_SASL, "saslMechanism": "SCRAM-SHA-256", "caCertificate": CA_PEM,
                            "logins": {"producer-ana": {"username": "svc-writer", "password": "pw1"},
                                       "consumer-ana": {"password": "pw2"}}}, "students": ["ana"]})
    assert s.kafka.security == "sasl_ssl" and s.kafka.sasl_mechanism == "SCRAM-SHA-256" and s.kafka.ca_certificate == CA_PEM
    writer, reader = s.kafka.given_login("producer-ana"), s.kafka.given_login("consumer-ana")
    assert (writer.username, writer.password.value) == ("svc-writer", "pw1")
    # The username defaults to the login's name; the password stays wrapped (never printed).
    assert (reader.username, reader.password.value) == ("consumer-ana", "pw2") and "pw2" not in repr(s)


def test_msk_takes_logins_over_tls_and_its_topics_replicate_to_its_brokers():
    s = settings({"kafka": {"provider": "msk", "msk": {"brokers": 3, "version": "4.1.x.kraft"}}})
    assert (s.kafka.provider, s.kafka.security, s.kafka.sasl_mechanism) == ("msk", "sasl_ssl", "SCRAM-SHA-512")
    assert (s.kafka.msk.version, s.kafka.msk.instance_type, s.kafka.msk.brokers, s.kafka.msk.volume_gb) == (
        "4.1.x.kraft", "kafka.t3.small", 3, 10)
    assert [t.replication_factor for t in s.kafka.topics] == [3]
    assert settings({}).kafka.msk is None


def test_a_refused_login_never_shows_its_password():
    for login in ({"pasword": "hunter2x"}, "hunter2x", {"password": 'hunter2x"'}):
        with pytest.raises(ConfigError) as error:
            settings({"kafka": {**EXISTING_SASL, "logins": {**LOGINS, "consumer": login}}})
        assert "hunter2x" not in str(error.value), str(error.value)


def test_a_student_topic_of_249_characters_is_accepted():
    s = settings({"kafka": {"topics": [{"name": "t" * 240}]}, "students": ["abcdefgh"]})
    assert len(f"{'t' * 240}-abcdefgh") == 249 and s.students == ("abcdefgh",)


def test_ssh_cidrs_are_required_on_aws_when_no_address_can_be_detected():
    with pytest.raises(ConfigError) as error:
        parse_with({}, stack="dev", region="ap-northeast-2", plugins=PLUGINS, detect_ip=None)
    assert error.value.path == "sshCidrs" and "required: the CIDRs allowed to reach SSH" in str(error.value)


def test_the_shortest_and_the_longest_ttl_are_accepted():
    assert settings({"ttlHours": 0.5}).ttl_hours == 0.5 and settings({"ttlHours": 24 * 365}).ttl_hours == 8760
    assert settings({"ttlHours": 0}).ttl_hours == 0


def test_the_corpus_covers_every_declared_key():
    """Every key the settings declare (components/settings/keys.py, whence the documented list and
    the unknown-key check come) has at least one bad value above."""
    covered = {path for _, path, _ in BAD}
    missing = {key for key in keys.paths() if not any(p == key or p.startswith(key + "[") or p.startswith(key + ".")
                                                       for p in covered)}
    assert not missing, sorted(missing)


def test_bad_region_is_refused():
    with pytest.raises(ConfigError) as error:
        settings(region="seoul")
    assert error.value.path == "aws:region" and "ap-northeast-2" in str(error.value)


def test_defaults_follow_the_contract():
    s = settings()
    assert (s.kafka.version, s.kafka.mode, s.kafka.brokers, s.kafka.instance_type) == (
        releases.DEFAULT_KAFKA, "kraft", 1, "t4g.small")
    assert [(t.name, t.partitions, t.replication_factor) for t in s.kafka.topics] == [("twitter", 1, 1)]
    assert s.producer.topic == "twitter" and s.consumer.topics == ("twitter",)
    assert s.consumer.group_id == "logstash" and s.consumer.sink.type == "stdout"
    assert s.producer.source.type == "generator"
    assert s.ttl_hours == 4 and s.students == ()
    assert s.logstash.version == releases.DEFAULT_LOGSTASH


def test_three_brokers_default_topics_to_three_replicas():
    s = settings({"kafka": {"brokers": 3}})
    assert s.kafka.topics[0].replication_factor == 3


def test_ssh_cidrs_default_to_the_detected_ip_as_a_single_host():
    s = parse({}, stack="dev", region="ap-northeast-2", detect_ip=lambda: "203.0.113.50")
    assert s.ssh_cidrs == ("203.0.113.50/32",)


def test_without_ssh_cidrs_or_detection_the_user_is_told_how_to_set_them():
    with pytest.raises(ConfigError) as error:
        parse({}, stack="dev", region="ap-northeast-2")
    assert "pulumi config set --path 'sshCidrs[0]'" in str(error.value)


def test_the_open_world_is_allowed_only_when_written_explicitly():
    assert settings({"sshCidrs": ["0.0.0.0/0"]}).ssh_cidrs == ("0.0.0.0/0",)


def test_numbers_given_as_strings_by_the_cli_are_accepted():
    s = settings({"ttlHours": "2.5", "kafka": {"topics": [{"name": "t", "partitions": "3"}]}})
    assert s.ttl_hours == 2.5 and s.kafka.topics[0].partitions == 3


def test_zookeeper_mode_with_a_3x_release():
    s = settings({"kafka": {"version": "3.0.0", "mode": "zookeeper"}})
    assert (s.kafka.version, s.kafka.mode) == ("3.0.0", "zookeeper")


def test_every_pinned_kafka_release_has_a_sha512():
    for version, release in releases.KAFKA.items():
        assert re.fullmatch(r"[0-9a-f]{128}", release.sha512), version


def test_the_local_platform_needs_no_region_and_no_ssh_cidrs():
    s = parse({"platform": "local"}, stack="local", region=None)
    assert (s.platform, s.region, s.ssh_cidrs, s.os.id) == ("local", None, (), "debian-13")
    assert s.local.subnet.startswith("10.214.") and s.local.gateway.endswith(".1")
    assert len(s.local.bridge) <= 15


@pytest.mark.parametrize("stack, subnet, bridge", [
    ("local", "10.214.37.0/24", "kpb-25bf8e1a"),
    ("lab-93", "10.214.4.0/24", "kpb-fe0f355b"),   # its name's hash starts at 254: wrapped below 250
])
def test_a_local_stacks_subnet_and_bridge_stay_what_they_were(stack, subnet, bridge):
    # Derived from the stack's name; a change in a new release would move every running local
    # stack's hosts to another bridge and address on its next up.
    local = parse({"platform": "local"}, stack=stack, region=None).local
    assert (local.subnet, local.bridge) == (subnet, bridge)


def test_two_local_stacks_get_two_bridges_and_subnets():
    a, b = (parse({"platform": "local"}, stack=name, region=None).local for name in ("local", "rehearsal"))
    assert a.bridge != b.bridge and a.subnet != b.subnet


def test_a_mirrors_checksums_replace_the_pinned_ones():
    digest = "AB" * 64
    s = settings({"kafka": {"sha512": digest}, "logstash": {"sha512": digest}})
    assert s.kafka.sha512 == s.logstash.sha512 == digest.lower()
    assert settings().kafka.sha512 is None


@pytest.mark.parametrize("deployed, chosen", [("4.3.1", "4.1.1"), ("4.3.1", "3.9.1"), ("4.10.0", "4.9.1")])
def test_a_release_older_than_the_deployed_one_is_refused(deployed, chosen):
    with pytest.raises(ConfigError) as error:
        refuse_downgrade(deployed, chosen)
    assert (error.value.path, error.value.value) == ("kafka.version", chosen)
    assert error.value.allowed == (f"{deployed} or later: this stack's brokers run Kafka {deployed}, and Kafka's "
                                   "metadata moves forward only (upgrade, never downgrade). To go back, destroy the "
                                   "stack and deploy it anew")


@pytest.mark.parametrize("deployed, chosen", [(None, "3.0.0"), ("4.1.1", "4.1.1"), ("4.1.1", "4.3.1"),
                                              ("4.9.1", "4.10.0"), (["4.3.1"], "4.1.1"), ("latest", "4.1.1")])
def test_the_same_or_a_newer_release_or_a_stack_never_deployed_goes_ahead(deployed, chosen):
    refuse_downgrade(deployed, chosen)


@pytest.mark.parametrize("kw, message", [
    (dict(raw={}, with_ssh=False),
     "invalid config sshCidrs = None: required: the CIDRs allowed to reach SSH, e.g. "
     "pulumi config set --path 'sshCidrs[0]' 203.0.113.7/32"),
    (dict(raw={}, with_ssh=False, detect_ip=lambda: "not-an-ip"),   # what the address lookup answered, named as such
     "invalid config sshCidrs (detected) = 'not-an-ip/32': expected an IPv4 or IPv6 CIDR such as 203.0.113.7/32 "
     "(host bits zero)"),
    (dict(raw={"sshCidrs": []}), 'invalid config sshCidrs = []: expected a non-empty list of CIDRs such as ["203.0.113.7/32"]'),
    (dict(raw={"kafka": {"topics": []}}),
     "invalid config kafka.topics = []: expected a non-empty list of {name, partitions, replicationFactor}"),
    (dict(raw={"kafka": {"topics": [{"name": "a b"}]}}),
     "invalid config kafka.topics[0].name = 'a b': expected a Kafka topic name: 1-249 of letters, digits, '.', '_' and '-'"),
    (dict(raw={"kafka": {"topics": [{"name": "."}]}}),
     "invalid config kafka.topics[0].name = '.': '.' and '..' are not valid topic names"),
    (dict(raw={"kafka": {"topics": [{"name": ".."}]}}),
     "invalid config kafka.topics[0].name = '..': '.' and '..' are not valid topic names"),
    (dict(raw={"kafka": {"topics": [{"name": "twitter"}, {"name": "twitter"}]}}),
     "invalid config kafka.topics[1].name = 'twitter': duplicate topic name; each topic must be unique"),
    (dict(raw={"consumer": {"topics": "twitter"}}),
     "invalid config consumer.topics = 'twitter': expected a list of topic names"),
    # 230 + 1 + 20 = 251 characters
    (dict(raw={"kafka": {"topics": [{"name": "t" * 230}]}, "producer": {"topic": "t" * 230}, "students": ["s" * 20]}),
     f"invalid config students[0] = {'s' * 20!r}: the student topic {'t' * 230}-{'s' * 20} would exceed 249 characters"),
    (dict(raw={"kafka": {"version": "4.3.1", "mode": "zookeeper"}}),
     "invalid config kafka.mode = 'zookeeper': Kafka 4.3.1 supports kraft; zookeeper needs one of the releases "
     "3.9.1, 3.0.0"),
    (dict(raw={"kafka": {"version": "3.9.1", "mode": "zookeeper", "brokers": 3}}),
     "invalid config kafka.brokers = 3: a 3-broker cluster is offered in kraft mode only"),
    (dict(raw={"platform": "local", "os": "al2023"}, region=None),
     "invalid config os = 'al2023': the local platform boots debian-13, debian-12 only"),
    (dict(raw={}, region=None),
     "invalid config aws:region = None: expected an AWS region such as ap-northeast-2 "
     "(pulumi config set aws:region ap-northeast-2)"),
    (dict(raw={"platform": "local", "sshCidrs": ["bad"]}, region=None, with_ssh=False),
     "invalid config sshCidrs[0] = 'bad': expected an IPv4 or IPv6 CIDR such as 203.0.113.7/32"),
    # A Kafka the user runs (kafka.provider existing): what it needs, and what applies to ours only.
    (dict(raw={"kafka": {"provider": "existing"}}),
     "invalid config kafka.bootstrapServers = None: required with kafka.provider existing: your Kafka's bootstrap "
     "servers, e.g. pulumi config set --path 'kafka.bootstrapServers[0]' kafka-1.example.org:9092"),
    (dict(raw={"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"], "heapMb": 2048}}),
     "invalid config kafka.heapMb = 2048: applies to our own brokers only; with kafka.provider existing the stack "
     "creates no broker: remove it"),
    (dict(raw={"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"],
                         "topics": [{"name": "twitter", "replicationFactor": 3}]}}),
     "invalid config kafka.topics[0].replicationFactor = 3: applies to topics our brokers create; with "
     "kafka.provider existing your topics exist already: remove it"),
    (dict(raw={"kafka": {"bootstrapServers": ["k:9092", "k2:9092"]}}),
     "invalid config kafka.bootstrapServers = ['k:9092', 'k2:9092']: only with kafka.provider existing (this "
     "stack's provider is ours, whose brokers it creates and knows): remove it, or set kafka.provider existing"),
])
def test_refusals_in_full(kw, message):
    with pytest.raises(ConfigError) as error:
        settings(**kw)
    assert str(error.value) == message


def test_the_provider_chosen_is_the_one_kept():
    existing = settings({"kafka": {"provider": "existing", "bootstrapServers": ["k:9092"]}})
    assert (existing.kafka.provider, existing.kafka.bootstrap_servers) == ("existing", ("k:9092",))
    assert settings().kafka.provider == "ours"


def test_a_local_stack_keeps_the_ssh_cidrs_it_is_given_and_an_aws_stack_has_no_local_part():
    local = settings({"platform": "local", "sshCidrs": ["10.1.0.0/16"]}, region=None, with_ssh=False)
    assert local.ssh_cidrs == ("10.1.0.0/16",)
    assert settings().local is None


def test_the_operators_own_public_key_is_kept():
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5Zm9ydGVzdHNvbmx5MTIzNDU2Nzg5MA operator@lab"
    assert settings({"sshPublicKey": key}).ssh_public_key == key
