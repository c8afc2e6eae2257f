"""base, java, topics, logstash and pipeline stages."""
import base64

import pytest

from components.errors import Secret
from components.stages import base, java, logstash, pipeline, topics
from components.stages.plan import Facts, File, Plan


def files(plan):
    return {f.path: f.content for f in plan.files}


def test_ttl_timer_counts_hours_from_boot(make_settings, broker):
    plan = base.plan(make_settings({"ttlHours": 2.5}), broker)
    assert "OnBootSec=150min" in files(plan)["/etc/systemd/system/kafka-pipeline-ttl.timer"]
    assert "ExecStart=/usr/bin/systemctl poweroff" in files(plan)["/etc/systemd/system/kafka-pipeline-ttl.service"]
    assert plan.env["TTL_ENABLED"] == "1"
    assert base.plan(make_settings({"ttlHours": 0}), broker).env["TTL_ENABLED"] == "0"


@pytest.mark.parametrize("os, package, family", [
    ("debian-12", "openjdk-17-jre-headless", "apt"),
    ("al2023", "java-17-amazon-corretto-headless", "dnf"),
])
def test_java_is_a_headless_17_from_the_oses_own_packages(make_settings, broker, os, package, family):
    plan = java.plan(make_settings({"os": os}), broker)
    assert (plan.env["JAVA_PACKAGE"], plan.env["PKG_FAMILY"]) == (package, family)


def test_topics_are_created_if_missing_with_their_settings(make_settings, broker):
    s = make_settings({"kafka": {"topics": [{"name": "a", "partitions": 3}, {"name": "b"}]}})
    lines = files(topics.plan(s, broker))[topics.ARGS_FILE].splitlines()
    assert lines == [
        "--bootstrap-server 10.0.0.5:9092 --create --if-not-exists --topic a --partitions 3 --replication-factor 1",
        "--bootstrap-server 10.0.0.5:9092 --create --if-not-exists --topic b --partitions 1 --replication-factor 1",
    ]


def test_each_student_gets_a_topic_shaped_like_the_producers(make_settings):
    s = make_settings({"students": ["ana", "ben"], "kafka": {"topics": [{"name": "t", "partitions": 2}]}})
    assert [(t.name, t.partitions) for t in topics.all_topics(s)] == [("t", 2), ("t-ana", 2), ("t-ben", 2)]


@pytest.mark.parametrize("arch, expected", [("arm64", "aarch64"), ("x86_64", "x86_64")])
def test_logstash_tarball_matches_the_architecture(make_settings, arch, expected):
    plan = logstash.plan(make_settings(), Facts(role="producer", arch=arch, memory_mib=2048))
    assert plan.env["LOGSTASH_URL"].endswith(f"-linux-{expected}.tar.gz")
    assert plan.env["ELASTIC_KEY_FINGERPRINT"] == "46095ACC8548582C1A2699A9D27D666CD88E42B4"
    assert files(plan)["/etc/logstash/logstash.env"] == 'LS_JAVA_OPTS="-Xms819m -Xmx819m"\n'
    yml = files(plan)["/etc/logstash/logstash.yml"]
    assert "config.support_escapes: true" in yml and 'path.data: "/var/lib/logstash"' in yml


def test_producer_pipeline_writes_to_the_topic_on_every_broker(make_settings):
    plan = pipeline.plan(make_settings(), Facts(role="producer", brokers=("10.0.0.5", "10.0.0.6")))
    conf = files(plan)[pipeline.CONFIG]
    assert 'bootstrap_servers => "10.0.0.5:9092,10.0.0.6:9092"' in conf
    assert 'topic_id => "twitter"' in conf and 'acks => "all"' in conf and "codec => json" in conf
    assert plan.secrets == {} and plan.stdin() == ""


def test_consumer_pipeline_reads_with_metadata_and_prints_it(make_settings):
    plan = pipeline.plan(make_settings({"kafka": {"topics": [{"name": "twitter", "partitions": 4}]}}),
                         Facts(role="consumer", brokers=("10.0.0.5",)))
    conf = files(plan)[pipeline.CONFIG]
    assert 'group_id => "logstash"' in conf and "consumer_threads => 4" in conf
    assert 'decorate_events => "basic"' in conf and "rubydebug { metadata => true }" in conf


def test_pipeline_refuses_a_broker_host(make_settings, broker):
    with pytest.raises(ValueError):
        pipeline.plan(make_settings(), broker)


def test_bundle_ships_scripts_env_and_a_manifest():
    plan = Plan(stage="java", files=(File("/etc/x", "hello", "0600", "root:root"),), env={"A": "it's"})
    bundle = plan.bundle()
    assert set(bundle) == {"apply.sh", "lib.sh", "stage.sh", "stage.env", "manifest", "files/000"}
    assert bundle["stage.env"] == ("A='it'\"'\"'s'\nSERVICE_RECORDS='/var/lib/kafka-pipeline/services'\n"
                                   "STAGE_LOG='/var/log/kafka-pipeline/stages.log'\nSTAGE_NAME='java'\n")
    assert bundle["manifest"] == "0600 root:root files/000 /etc/x\n"


def test_digest_follows_content_but_not_secret_values():
    a = Plan(stage="java", files=(File("/etc/x", "1"),), secrets={"S": Secret("one")})
    assert a.digest() == Plan(stage="java", files=(File("/etc/x", "1"),), secrets={"S": Secret("two")}).digest()
    assert a.digest() != Plan(stage="java", files=(File("/etc/x", "2"),), secrets={"S": Secret("one")}).digest()
    assert "one" not in a.digest() and "one" not in repr(a)


def test_secrets_travel_as_base64_lines():
    plan = Plan(stage="pipeline", secrets={"SINK_PASSWORD": Secret('p@ss "word"\\')})
    name, value = plan.stdin().rstrip("\n").split("\t")
    assert name == "SINK_PASSWORD" and base64.b64decode(value).decode() == 'p@ss "word"\\'


def test_logstash_service_reads_secrets_from_an_optional_root_only_file(make_settings):
    unit = files(logstash.plan(make_settings(), Facts(role="consumer")))["/etc/systemd/system/logstash.service"]
    assert "EnvironmentFile=/etc/logstash/logstash.env\nEnvironmentFile=-/etc/logstash/secrets.env\n" in unit
    assert "User=logstash" in unit and "Restart=on-failure" in unit
    assert "--path.settings /etc/logstash --path.config /etc/logstash/conf.d" in unit


def test_a_mirrors_checksum_replaces_the_pinned_one_and_the_signature_check(make_settings):
    digest = "ab" * 64
    s = make_settings({"kafka": {"sha512": digest}, "logstash": {"sha512": digest}})
    from components.stages import kafka
    assert kafka.plan(s, Facts(role="broker", private_ip="10.0.0.5")).env["KAFKA_SHA512"] == digest
    assert logstash.plan(s, Facts(role="producer")).env["LOGSTASH_SHA512"] == digest
    assert logstash.plan(make_settings(), Facts(role="producer")).env["LOGSTASH_SHA512"] == ""


def test_every_stage_names_itself_in_its_log_lines(make_settings, broker):
    for stage in (base, java, topics):
        assert f"STAGE_NAME='{stage.__name__.rsplit('.', 1)[1]}'" in stage.plan(make_settings(), broker).bundle()["stage.env"]
