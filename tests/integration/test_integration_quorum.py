"""`kafka.brokers: 3` on real Apache Kafka: three KRaft nodes (broker-1..3, each its own namespace
and private address) form one quorum from the configs our code renders; a producer and a consumer in
their own namespaces stream through it while one broker is killed with -9 and started again."""
from __future__ import annotations

import pytest

from tests.integration import flow
from tests.integration.broker import BrokerError
from tests.integration.client import kafka_input, kafka_output
from tests.integration.conftest import not_running_as_rendered, running_config
from tests.integration.quorum import Quorum
from tests.settings import make

from components.stages import kafka, topics

pytestmark = pytest.mark.integration

TOPIC = "scaled"
EVENTS = 10_000
RATE = 1000            # events/s: the stream lasts ~10 s, so the kill lands mid-stream
KILL_AT_ACKED = 3000
FENCE_TIMEOUT = 45     # the controller fences a dead broker after broker.session.timeout.ms (9 s)
REJOIN_TIMEOUT = 60


def settings_for(group: str = "logstash"):
    # The quorum's behaviour on plaintext listeners; its TLS listeners are proven in the rehearsal.
    raw = {"kafka": {"brokers": 3, "topics": [{"name": TOPIC, "partitions": 3}], "security": "plaintext"},
           "producer": {"topic": TOPIC}, "consumer": {"groupId": group}}
    return make(raw, stack="integration-quorum")


def report(capsys, text: str) -> None:
    with capsys.disabled():
        print(f"\n    {text}")


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


@pytest.fixture(scope="module")
def quorum(prerequisites):
    q = Quorum(settings_for())
    try:
        q.ready_s = q.start()
    except Exception as error:  # noqa: BLE001 - start() already cleaned up
        pytest.fail(f"3-broker KRaft quorum did not start: {error}", pytrace=False)
    try:
        q.first_topic_run = q.create_topics()
    except BrokerError as error:
        q.stop()
        pytest.fail(f"topics stage failed on the quorum: {error}", pytrace=False)
    yield q
    q.stop()


def test_quorum_runs_the_rendered_configs(quorum, capsys):
    """Each node serves from what we rendered for node i of a 3-broker cluster, in its own namespace."""
    s = quorum.settings
    assert s.kafka.brokers == 3 and s.kafka.mode == "kraft"
    assert [t.replication_factor for t in s.kafka.topics] == [3], "topics must default to 3 replicas"
    voters = ",".join(f"{i}@{ip}:{kafka.CONTROLLER_PORT}" for i, ip in enumerate(quorum.ips, 1))
    assert len(set(quorum.ips)) == 3
    for b in quorum.brokers:
        rendered = b.config.read_text()
        # What each node runs with, as it reports it over the wire: every rendered key, unchanged.
        assert not_running_as_rendered(rendered, running_config(quorum.client, quorum.bootstrap, b.node_id)) == {}, b.node_id
        p = props(rendered)
        assert p["node.id"] == str(b.node_id)
        assert p["controller.quorum.voters"] == voters
        assert p["process.roles"] == "broker,controller"
        assert p["log.dirs"] == str(b.data_dir)
        assert f"PLAINTEXT://{b.ip}:{kafka.CLIENT_PORT}" in p["listeners"]
        assert f"CONTROLLER://{b.ip}:{kafka.CONTROLLER_PORT}" in p["listeners"]
        assert p["advertised.listeners"].startswith(f"PLAINTEXT://{b.ip}:{kafka.CLIENT_PORT},")
        for key in ("default.replication.factor", "offsets.topic.replication.factor",
                    "transaction.state.log.replication.factor"):
            assert p[key] == "3", key
        assert p["min.insync.replicas"] == "2" and p["transaction.state.log.min.isr"] == "2"
        assert p["unclean.leader.election.enable"] == "false"
        assert b.heap <= 512, f"heap {b.heap} MiB: keep three brokers small"
        assert (b.data_dir / "meta.properties").exists(), "storage was not formatted"
    cluster_ids = {props((b.data_dir / "meta.properties").read_text())["cluster.id"] for b in quorum.brokers}
    assert cluster_ids == {kafka.cluster_id(s)}, cluster_ids
    leader, epoch = quorum.quorum_leader()
    assert leader in (1, 2, 3), "no active controller in the nodes' quorum-state"
    report(capsys, f"[kraft x3 {quorum.version}] nodes ready after "
                   + ", ".join(f"{n}: {t:.1f}s" for n, t in sorted(quorum.ready_s.items()))
                   + f"; heap {quorum.brokers[0].heap} MiB each; active controller node {leader} (epoch {epoch})")


def test_topics_stage_creates_replicated_topics(quorum, capsys):
    # the topics stage's exact arguments (topics.plan on broker-1), replication following kafka.brokers
    stage = topics.plan(quorum.settings, quorum.brokers[0].facts).files[0].content
    assert stage == "".join(" ".join(a) + "\n" for a in quorum.topic_commands())
    assert [r.stdout.strip() for r in quorum.first_topic_run] == [f"Created topic {TOPIC}."]
    again = quorum.create_topics()
    assert [r.stdout.strip() for r in again] == [""], "the second topics run changed something"
    parts, _ = quorum.wait_topic(TOPIC, lambda ps: all(len(p["isr"]) == 3 for p in ps.values()), 30, "fully in sync")
    assert len(parts) == 3
    for n, p in parts.items():
        assert sorted(p["replicas"]) == [1, 2, 3], f"partition {n}: replicas {p['replicas']}"
        assert sorted(p["isr"]) == [1, 2, 3], f"partition {n}: isr {p['isr']}"
    for b in quorum.brokers:
        stored = sorted(d.name for d in b.data_dir.glob(f"{TOPIC}-*"))
        assert stored == [f"{TOPIC}-{n}" for n in range(3)], f"node {b.node_id} stores {stored}"
    leaders = {int(n): p["leader"] for n, p in parts.items()}
    report(capsys, f"[kraft x3] {TOPIC}: 3 partitions, RF 3, ISR 3; leaders {dict(sorted(leaders.items()))}")


def test_kill9_one_of_three_brokers_mid_stream(quorum, run_id, capsys):
    settings = settings_for(group=f"q3-{run_id}")
    confs = flow.render_pipelines(quorum, settings, brokers=quorum.ips)

    # What Logstash would run with, read back from the rendered pipelines.
    out, inp = kafka_output(str(confs["producer"])), kafka_input(str(confs["consumer"]))
    every_broker = [f"{ip}:{kafka.CLIENT_PORT}" for ip in quorum.ips]
    assert out["bootstrap_servers"].split(",") == every_broker, out["bootstrap_servers"]
    assert inp["bootstrap_servers"].split(",") == every_broker, inp["bootstrap_servers"]
    assert str(out["acks"]) == "all" and out["topic_id"] == TOPIC
    assert list(inp["topics"]) == [TOPIC]

    # The victim: the active controller if it leads a partition of the topic, else partition 0's leader.
    parts, _ = quorum.wait_topic(TOPIC, lambda ps: all(len(p["isr"]) == 3 for p in ps.values()), 30, "fully in sync")
    leaders = {int(n): p["leader"] for n, p in parts.items()}
    controller, epoch = quorum.quorum_leader()
    victim = controller if controller in leaders.values() else leaders[0]
    led = sorted(n for n, leader in leaders.items() if leader == victim)
    assert led, f"node {victim} leads no partition of {TOPIC}: {leaders}"

    consumer = flow.consumer(quorum, confs["consumer"], "q3-consume", until_count=EVENTS, idle=20, timeout=150,
                             run=run_id)
    producer = flow.producer(quorum, confs["producer"], "q3-produce", EVENTS, run_id, rate=RATE, timeout=150)
    try:
        at_kill = producer.wait_progress("acked", KILL_AT_ACKED, timeout=60)
        quorum.node(victim).kill9()
        # The survivors take over: the dead node leaves every ISR, its partitions get new leaders.
        fenced, fence_s = quorum.wait_topic(
            TOPIC, lambda ps: all(victim not in p["isr"] and p["leader"] not in (victim, -1) for p in ps.values()),
            FENCE_TIMEOUT, f"rid of node {victim}")
        new_controller, new_epoch = quorum.quorum_leader()
        mid = producer.progress()
        # Start it again from the same config and data dir (as systemd would): it must rejoin every ISR.
        restart_s = quorum.restart(victim)
        rejoined, rejoin_s = quorum.wait_topic(
            TOPIC, lambda ps: all(sorted(p["isr"]) == [1, 2, 3] for p in ps.values()),
            REJOIN_TIMEOUT, f"back to ISR 3 with node {victim}")
        produced = producer.result(timeout=170)
        consumed = consumer.result(timeout=170)
    finally:
        producer.kill()
        consumer.kill()
    t = flow.tally(produced, [consumed], run_id)
    report(capsys, f"[kraft x3 {quorum.version}] kill -9 node {victim} (controller={controller == victim}, "
                   f"led partitions {led}) at acked={at_kill['acked']}/sent={at_kill['sent']}; "
                   f"fenced in {fence_s:.1f}s -> leaders "
                   f"{ {int(n): p['leader'] for n, p in sorted(fenced.items())} }, controller now node {new_controller} "
                   f"(epoch {epoch}->{new_epoch}); producer then at acked={mid.get('acked')}/sent={mid.get('sent')}")
    report(capsys, f"[kraft x3] restarted node {victim}: serving in {restart_s:.1f}s, back in all ISRs "
                   f"{rejoin_s:.1f}s later: { {int(n): sorted(p['isr']) for n, p in sorted(rejoined.items())} }")
    report(capsys, f"[kraft x3] acks={produced['config']['acks']} idempotent={produced['config']['enable_idempotence']}: "
                   f"sent={t.sent} acked={t.acked} received={t.received} lost={t.lost} duplicated={t.duplicated} | "
                   f"{t.line()}")

    assert 0 < at_kill["acked"] < EVENTS, "the broker must die mid-stream"
    assert produced["config"]["acks"] == "all"
    assert t.sent == EVENTS and t.failed == 0, t.line()
    assert t.lost == 0, f"acknowledged events lost: {t.line()}"
    assert t.acked == EVENTS, f"every event should be acknowledged once the survivors lead: {t.line()}"
    assert (t.received, t.distinct) == (EVENTS, EVENTS), t.line()
    assert t.duplicated == 0 and t.redelivered == 0, t.line()
    assert t.out_of_order == 0 and t.offset_mismatch == 0, t.line()
    assert len(t.partitions) == 3, t.line()
