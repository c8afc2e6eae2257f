"""The Logstash stand-in against a real broker in network namespaces: a producer stand-in
(generator, counted) and a consumer stand-in (file sink) deliver every event exactly once, and what
the producer counted as acknowledged is what arrived; a consumer stopped mid-stream resumes from its
committed offsets; a group reading with rubydebug shows each event's Kafka metadata; both ride out
a kill -9 of the broker; an unreachable broker is waited for, not fatal.
"""
from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from components.stages import logstash as logstash_stage
from tests.integration import jars, netns
from tests.integration.broker import Cluster
from tests.integration.jvm import rooted
from tests.rehearsal.standin_harness import ENV, TOPIC, TOPICS, render, settings_for, write_conf

# ---- against a real broker ----

N_FIRST, N_SECOND = 300, 800


class StandIn:
    """bin/logstash running inside a namespace, on a simulated host's conf.d and data dir."""

    def __init__(self, cluster: Cluster, home: Path, host: str, name: str, settings, broker: str | None = None):
        root = cluster.hosts[host].root
        text = render(settings, host, broker or cluster.net.ip["broker"]).files[0].content
        conf = write_conf(rooted(root, "/etc/logstash"), text)
        settings_dir = rooted(root, "/etc/logstash")
        (settings_dir / "logstash.yml").write_text(logstash_stage.yaml_lines(logstash_stage.logstash_yml()))
        self.data = rooted(root, "/var/lib/logstash")
        self.log = root / "run" / f"{name}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                cluster.net.cmd(host, [str(home / "bin" / "logstash"), "--path.settings", str(settings_dir),
                                       "--path.config", str(conf), "--path.data", str(self.data)]),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=ENV, start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, what: str, check, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{what} (exit {self.proc.poll()}):\n{self.output()[-4000:]}")

    def wait_exit(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"still running after {timeout}s:\n{self.output()[-4000:]}") from None

    def terminate(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def acked_runs(self) -> list[dict]:
        return json.loads((self.data / "standin" / "acked.json").read_text())["runs"]


@pytest.fixture(scope="module")
def cluster():
    try:
        netns.require_tools()
    except netns.SetupError as error:
        pytest.fail(str(error), pytrace=False)
    c = Cluster(settings_for(), tag="sti", subnet="10.213.9")
    try:
        c.start()
        c.broker.create_topics()
    except Exception as error:  # noqa: BLE001
        c.stop()
        pytest.fail(f"broker did not start: {error}", pytrace=False)
    yield c
    c.stop()


@pytest.fixture
def running():
    """Every stand-in a test starts is killed at its end, whatever happened."""
    started: list[StandIn] = []
    yield started
    for s in started:
        s.kill()


def producer_settings(topic: str, run: str, count: int, rate: int):
    return settings_for(producer={"topic": topic, "source": {
        "type": "generator", "count": count, "eventsPerSecond": rate, "message": json.dumps({"run": run})}})


def out_dir(cluster: Cluster) -> Path:
    return rooted(cluster.hosts["consumer"].root, "/var/lib/logstash/out")


def file_sink_settings(cluster: Cluster, topic: str, group: str):
    return settings_for(producer={"topic": topic}, consumer={"groupId": group, "sink": {
        "type": "file", "path": f"{out_dir(cluster)}/%{{[@metadata][kafka][topic]}}-%{{+YYYY-MM-dd}}.jsonl"}})


def sink_lines(cluster: Cluster, topic: str) -> list[tuple[str, dict]]:
    """(file name, event) for every line the file sink wrote for `topic`."""
    name = re.compile(rf"{re.escape(topic)}-\d{{4}}-\d\d-\d\d\.jsonl")
    return [(f.name, json.loads(line)) for f in sorted(out_dir(cluster).glob("*.jsonl")) if name.fullmatch(f.name)
            for line in f.read_text().splitlines() if line.strip()]


def check_sink(lines: list[tuple[str, dict]], topic: str, expected: set[tuple[str, int]]) -> Counter:
    seen = Counter((event["run"], event["sequence"]) for _, event in lines)
    assert set(seen) == expected, f"missing {sorted(expected - set(seen))[:10]}, extra {sorted(set(seen) - expected)[:10]}"
    for name, event in lines:
        assert set(event) == {"run", "sequence", "host", "@timestamp", "@version"}, event
        assert event["@version"] == "1"
        # The file name comes from [@metadata][kafka][topic] and the event's own UTC date.
        assert name == f"{topic}-{event['@timestamp'][:10]}.jsonl", (name, event)
    return seen


@pytest.mark.integration
def test_producer_and_consumer_stand_ins_deliver_exactly_once(cluster, home, running, capsys):
    began = time.monotonic()
    first = StandIn(cluster, home, "producer", "producer-a", producer_settings(TOPIC, "a", N_FIRST, 100_000))
    running.append(first)
    assert first.wait_exit(60) == 0, first.output()[-4000:]
    assert "Pipeline started" in first.output() and "Logstash shut down." in first.output()

    consumer = StandIn(cluster, home, "consumer", "consumer-1", file_sink_settings(cluster, TOPIC, "sti-file"))
    running.append(consumer)
    consumer.wait_until(f"{N_FIRST} events in the file sink", lambda: len(sink_lines(cluster, TOPIC)) >= N_FIRST, 60)
    assert "Pipelines running" in consumer.output()

    # Mid-stream: a throttled producer (about 100/s) is sending while the consumer stops and starts again.
    second = StandIn(cluster, home, "producer", "producer-b", producer_settings(TOPIC, "b", N_SECOND, 100))
    running.append(second)
    consumer.wait_until("the second run arriving", lambda: len(sink_lines(cluster, TOPIC)) >= N_FIRST + 150, 60)
    assert consumer.terminate() == 0, consumer.output()[-4000:]
    assert "SIGTERM received. Shutting down." in consumer.output()
    at_stop = len(sink_lines(cluster, TOPIC))
    assert second.proc.poll() is None, "the producer finished before the consumer was stopped: not mid-stream"

    restarted = StandIn(cluster, home, "consumer", "consumer-2", file_sink_settings(cluster, TOPIC, "sti-file"))
    running.append(restarted)
    assert second.wait_exit(60) == 0, second.output()[-4000:]
    restarted.wait_until("every event in the file sink",
                         lambda: len(sink_lines(cluster, TOPIC)) >= N_FIRST + N_SECOND, 60)
    time.sleep(3)  # anything delivered twice would land by now
    assert restarted.terminate() == 0, restarted.output()[-4000:]

    lines = sink_lines(cluster, TOPIC)
    # A graceful stop commits every handled batch, and auto_offset_reset is earliest: so a consumer
    # that did not resume from committed offsets would write run "a" twice.
    seen = check_sink(lines, TOPIC, {("a", i) for i in range(N_FIRST)} | {("b", i) for i in range(N_SECOND)})
    assert max(seen.values()) == 1, f"delivered twice: {[k for k, n in seen.items() if n > 1][:10]}"
    runs = second.acked_runs()
    assert [(r["acked"], r["dropped"]) for r in runs[-2:]] == [(N_FIRST, 0), (N_SECOND, 0)]
    assert sum(r["acked"] for r in runs[-2:]) == len(lines)
    with capsys.disabled():
        print(f"\n    stand-ins: {len(lines)} events exactly once (consumer stopped at {at_stop}, resumed), "
              f"acked {[r['acked'] for r in runs[-2:]]}, {time.monotonic() - began:.1f}s")


RUBYDEBUG_EVENT = re.compile(r"^\{\n(.*?)^\}$", re.M | re.S)


@pytest.mark.integration
def test_rubydebug_consumer_shows_kafka_metadata(cluster, home, running):
    count = 60
    producer = StandIn(cluster, home, "producer", "producer-m", producer_settings("sti-meta", "m", count, 100_000))
    running.append(producer)
    assert producer.wait_exit(60) == 0, producer.output()[-4000:]
    settings = settings_for(producer={"topic": "sti-meta"},
                             consumer={"groupId": "sti-stdout", "sink": {"type": "stdout", "metadata": True}})
    consumer = StandIn(cluster, home, "consumer", "consumer-stdout", settings)
    running.append(consumer)
    consumer.wait_until(f"{count} events printed", lambda: len(RUBYDEBUG_EVENT.findall(consumer.output())) >= count, 60)
    assert consumer.terminate() == 0
    blocks = RUBYDEBUG_EVENT.findall(consumer.output())
    offsets: dict[int, list[int]] = {}
    sequences = []
    for block in blocks:
        fields = dict(re.findall(r'^ *"([^"]+)" => (.*)$', block, re.M))
        assert fields["topic"] == '"sti-meta"' and fields["consumer_group"] == '"sti-stdout"', block
        assert fields["key"] == "nil" and fields["timestamp"].isdigit(), block
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", fields["@timestamp"]), block
        sequences.append(int(fields["sequence"]))
        offsets.setdefault(int(fields["partition"]), []).append(int(fields["offset"]))
    assert sorted(sequences) == list(range(count))
    assert set(offsets) == {0, 1}
    for partition, seen in offsets.items():
        assert sorted(seen) == list(range(len(seen))), f"partition {partition}: offsets not 0..n-1 once each"


@pytest.mark.integration
def test_stand_ins_ride_out_a_broker_crash(cluster, home, running, capsys):
    """kill -9 of the broker mid-stream: both stand-ins keep retrying, nothing acknowledged is lost."""
    topic, count = "sti-restart", 800
    consumer = StandIn(cluster, home, "consumer", "consumer-crash", file_sink_settings(cluster, topic, "sti-crash"))
    running.append(consumer)
    producer = StandIn(cluster, home, "producer", "producer-c", producer_settings(topic, "c", count, 100))
    running.append(producer)
    consumer.wait_until("events arriving", lambda: len(sink_lines(cluster, topic)) >= 100, 60)
    assert producer.proc.poll() is None, "the producer finished before the crash: not mid-stream"
    cluster.broker.kill9()
    time.sleep(3)
    assert producer.proc.poll() is None and consumer.proc.poll() is None, "a stand-in died with the broker"
    while_down = len(sink_lines(cluster, topic))
    cluster.broker.start(timeout=120)
    assert producer.wait_exit(90) == 0, producer.output()[-4000:]
    consumer.wait_until("every event after the crash", lambda: len(sink_lines(cluster, topic)) >= count, 60)
    time.sleep(3)
    assert consumer.terminate() == 0, consumer.output()[-4000:]
    lines = sink_lines(cluster, topic)
    # At least once: a batch handled while its commit could not reach the broker may come again.
    seen = check_sink(lines, topic, {("c", i) for i in range(count)})
    run = producer.acked_runs()[-1]
    assert (run["acked"], run["dropped"]) == (count, 0)
    with capsys.disabled():
        print(f"\n    broker killed mid-stream ({while_down}/{count} had arrived): all {count} arrived, "
              f"{sum(seen.values()) - count} delivered twice")


@pytest.mark.integration
def test_unreachable_broker_is_waited_for_not_fatal(cluster, home, running):
    """A closed port on the consumer host's own loopback: it keeps retrying, and stops cleanly."""
    consumer = StandIn(cluster, home, "consumer", "consumer-nobroker",
                       file_sink_settings(cluster, TOPIC, "sti-nobroker"), broker="127.0.0.1")
    running.append(consumer)
    consumer.wait_until("a retry logged", lambda: "could not be established" in consumer.output(), 30)
    time.sleep(2)
    assert consumer.proc.poll() is None, consumer.output()
    assert consumer.terminate(timeout=15) == 0, consumer.output()


@pytest.mark.integration
def test_a_topic_created_after_the_consumer_started_is_read(cluster, home, running):
    """The hosts start Logstash while the broker's topics stage still runs: a consumer subscribed to a
    topic that does not exist yet reads it once it does, as the Java client would."""
    topic, count = "sti-late", 100
    # Declared in the settings (the pipelines name it) but not created with the cluster's topics.
    kafka = {"topics": [*TOPICS, {"name": topic, "partitions": 2}]}
    sink = {"type": "file", "path": f"{out_dir(cluster)}/%{{[@metadata][kafka][topic]}}-%{{+YYYY-MM-dd}}.jsonl"}
    consumer = StandIn(cluster, home, "consumer", "consumer-late", settings_for(
        kafka=kafka, producer={"topic": topic}, consumer={"groupId": "sti-late", "sink": sink}))
    running.append(consumer)
    consumer.wait_until("the pipeline running", lambda: "Pipelines running" in consumer.output(), 60)
    time.sleep(8)  # time enough to have joined its group, had it done so before the topic existed
    created = cluster.broker.java(jars.MAIN_CLASSES["topics"], [
        "--bootstrap-server", cluster.broker.bootstrap, "--create", "--topic", topic, "--partitions", "2",
        "--replication-factor", "1"], timeout=120)
    assert created.returncode == 0, created.stdout + created.stderr
    producer = StandIn(cluster, home, "producer", "producer-late", settings_for(kafka=kafka, producer={
        "topic": topic, "source": {"type": "generator", "count": count, "eventsPerSecond": 100_000,
                                   "message": json.dumps({"run": "l"})}}))
    running.append(producer)
    assert producer.wait_exit(60) == 0, producer.output()[-4000:]
    consumer.wait_until(f"{count} events from the late topic", lambda: len(sink_lines(cluster, topic)) >= count, 30)
    assert consumer.terminate() == 0, consumer.output()[-4000:]
    check_sink(sink_lines(cluster, topic), topic, {("l", i) for i in range(count)})
