"""Our rendered configuration on a real Apache Kafka broker, in KRaft (DEFAULT_KAFKA) and ZooKeeper
(ZOOKEEPER_KAFKA) mode, with producer and consumer in their own network namespaces."""
from __future__ import annotations

import uuid

import pytest

from components.errors import Secret
from tests.integration import flow, secured
from tests.integration.conftest import (MODES, TOPICS, describe, not_running_as_rendered, running_config,
                                        settings_for)
from tests.settings import make

pytestmark = pytest.mark.integration

EVENTS = 10_000


def report(capsys, text: str) -> None:
    with capsys.disabled():
        print(f"\n    {text}")


def test_broker_runs_the_rendered_config(cluster):
    """The running broker reports every key we rendered with the value we rendered (asked over the
    wire, not read back from the file), and serves from the data dir we rendered."""
    config = cluster.broker.config.read_text()
    node = next(int(line.split("=", 1)[1]) for line in config.splitlines() if line.split("=", 1)[0] in ("node.id", "broker.id"))
    running = running_config(cluster.client, cluster.broker.bootstrap, node)
    assert not_running_as_rendered(config, running) == {}
    assert running["log.dirs"] == str(cluster.broker.data_dir)
    stored = {p.name for p in cluster.broker.data_dir.iterdir()}
    for topic in TOPICS:
        for p in range(topic.get("partitions", 1)):
            assert f"{topic['name']}-{p}" in stored, f"partition dir {topic['name']}-{p} not in {cluster.broker.data_dir}"
    assert not any(cluster.hosts["broker"].tmp.glob("kafka-logs*")), "the broker wrote its log into /tmp"


def test_topic_creation_is_idempotent(cluster, capsys):
    first = cluster.first_topic_run
    assert [r.stdout.strip() for r in first] == [f"Created topic {t['name']}." for t in TOPICS]
    before = cluster.topics_after_first_run
    second = cluster.broker.create_topics()  # raises on a non-zero exit
    after = describe(cluster, [t["name"] for t in TOPICS])
    assert [r.stdout.strip() for r in second] == [""] * len(TOPICS), "the second run changed something"
    assert after == before, "topics differ after the second run (ids, partitions or replicas)"
    for t in TOPICS:
        info = after["topics"][t["name"]]
        assert info["error_code"] == 0
        assert len(info["partitions"]) == t.get("partitions", 1)
        assert all(len(p["replicas"]) == 1 for p in info["partitions"].values())
    report(capsys, f"[{cluster.settings.kafka.mode} {cluster.version}] topics after 2 runs: "
                   + ", ".join(f"{n}={len(v['partitions'])}p" for n, v in sorted(after["topics"].items())))


@pytest.mark.parametrize("topic", ["twitter", "events"])
def test_events_flow_from_producer_to_consumer(cluster, topic, run_id, capsys):
    settings = settings_for(cluster.settings.kafka.mode, topic=topic, group=f"flow-{run_id}")
    confs = flow.render_pipelines(cluster, settings)
    consumer = flow.consumer(cluster, confs["consumer"], f"consume-{topic}", until_count=EVENTS, timeout=120)
    producer = flow.producer(cluster, confs["producer"], f"produce-{topic}", EVENTS, run_id, timeout=120)
    produced = producer.result(timeout=150)
    consumed = consumer.result(timeout=150)
    t = flow.tally(produced, [consumed], run_id)
    report(capsys, f"[{settings.kafka.mode} {settings.kafka.version}] {topic} acks={produced['config']['acks']} "
                   f"compression={produced['config']['compression_type']}: {t.line()}")
    assert produced["topic"] == topic and consumed["topics"] == [topic]
    assert (t.sent, t.acked, t.failed) == (EVENTS, EVENTS, 0)
    assert (t.distinct, t.received, t.lost, t.duplicated) == (EVENTS, EVENTS, 0, 0), t.line()
    assert t.out_of_order == 0 and t.offset_mismatch == 0, t.line()
    expected_partitions = next(x.get("partitions", 1) for x in TOPICS if x["name"] == topic)
    assert len(t.partitions) == expected_partitions, t.line()


@pytest.mark.parametrize("wipe_tmp", [False, True], ids=["restart", "restart-after-wiping-tmp"])
def test_kill9_broker_mid_stream_loses_nothing_acknowledged(cluster, wipe_tmp, run_id, capsys):
    topic = "wiped" if wipe_tmp else "durable"
    settings = settings_for(cluster.settings.kafka.mode, topic=topic, group=f"dur-{run_id}")
    kill9_mid_stream(cluster, settings, flow.render_pipelines(cluster, settings), wipe_tmp, run_id, capsys)


@pytest.fixture(scope="module")
def secure(prerequisites, tmp_path_factory):
    """A broker with kafka.security sasl_ssl, as a stack deploys it by default."""
    yield from secured.serve(secured.secured_cluster(secured_settings("twitter", "logstash"),
                                                     tmp_path_factory.mktemp("secrets"), Secret(uuid.uuid4().hex),
                                                     tag="dursec", subnet="10.213.13"))


def secured_settings(topic: str, group: str):
    return make({"kafka": {**MODES["kraft"], "topics": TOPICS, "security": "sasl_ssl"}, "producer": {"topic": topic},
                 "consumer": {"groupId": group}}, stack="integration")


def test_kill9_broker_with_logins_and_tls_mid_stream_loses_nothing_acknowledged(secure, run_id, capsys):
    """The same with kafka.security sasl_ssl: the clients log in as the rendered pipelines do (SCRAM
    over TLS), the producer's and consumer's grants made by the logins stage for this run's group."""
    settings = secured_settings("durable", f"dur-{run_id}")
    secured.run_logins_stage(secure, settings)
    confs = {role: path for role, (path, _) in secured.render_pipelines(secure, settings).items()}
    kill9_mid_stream(secure, settings, confs, False, run_id, capsys)


def kill9_mid_stream(cluster, settings, confs: dict, wipe_tmp: bool, run_id: str, capsys) -> None:
    topic = settings.producer.topic
    work = cluster.hosts["consumer"].root / "run"
    stop1, stop2 = work / f"stop1-{run_id}", work / f"stop2-{run_id}"
    producer = flow.producer(cluster, confs["producer"], f"dur-produce-{topic}", EVENTS, run_id, rate=1000, timeout=170)
    c1 = flow.consumer(cluster, confs["consumer"], f"dur-c1-{topic}", stop_file=stop1, timeout=120)
    try:
        # 1. a first consumer reads part of the stream, commits and leaves the group
        c1.wait_progress("distinct", 1500, timeout=60)
        stop1.touch()
        r1 = c1.result(timeout=60)
        # 2. while the producer is mid-stream: kill -9 the broker, restart it from the same config and data
        at_kill = producer.wait_progress("acked", 3000, timeout=60)
        restart = cluster.restart_broker(wipe_tmp=wipe_tmp)
        # 3. a second consumer joins after the restart and reads through the rest of the stream
        c2 = flow.consumer(cluster, confs["consumer"], f"dur-c2-{topic}", stop_file=stop2, timeout=170)
        produced = producer.result(timeout=180)
        c2.wait_progress("distinct", 1, timeout=60)
        stop2.touch()
        r2 = c2.result(timeout=60)
        # 4. a third reads whatever is left, up to the end offsets
        r3 = flow.consumer(cluster, confs["consumer"], f"dur-c3-{topic}", until_end=True, timeout=90).result(120)
    finally:
        producer.kill()
        c1.kill()
    t = flow.tally(produced, [r1, r2, r3], run_id)
    report(capsys, f"[{settings.kafka.mode} {settings.kafka.version} {settings.kafka.security}] kill -9 at acked={at_kill['acked']}/"
                   f"sent={at_kill['sent']}, down {restart['down_s']:.1f}s"
                   f"{', tmp wiped (%d entries)' % restart['tmp_entries_wiped'] if wipe_tmp else ''}; "
                   f"acks={produced['config']['acks']}: {t.line()}")
    assert 0 < at_kill["acked"] < EVENTS, "the broker must die mid-stream"
    assert t.sent == EVENTS and t.failed == 0, t.line()
    assert t.lost == 0, f"acknowledged events lost: {t.line()}"
    assert t.duplicated == 0 and t.out_of_order == 0 and t.offset_mismatch == 0, t.line()
    assert t.distinct == t.acked + t.unacked_received, t.line()
    # the group resumed where it had committed: before the kill (c1 -> c2) and after it (c2 -> c3)
    for before, after, label in ((r1, r2, "c1 -> c2 across the kill"), (r2, r3, "c2 -> c3")):
        assert after["start_committed"] == before["end_committed"], f"{label}: committed offsets changed"
        for key, committed in before["end_committed"].items():
            part = int(key.rsplit(":", 1)[1])
            offsets = [r[4] for r in after["records"] if r[3] == part]
            if offsets:
                assert min(offsets) == (committed or 0), f"{label}: partition {part} resumed at {min(offsets)}, committed {committed}"
    assert t.redelivered == 0, t.line()
