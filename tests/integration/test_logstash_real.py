"""Real Logstash (the release the rehearsal serves its hosts) runs the pipelines our stages render,
on simulated hosts in network namespaces, against a real KRaft broker; the books are kept by event
identity at the topic and at the sink:

- the default shape: generator -> kafka -> stdout rubydebug, with each event's Kafka metadata;
- the consumer killed holding a backlog its sink had not printed: its disk queue prints it after a restart;
- the file source (a file the test writes) -> kafka -> the file sink (JSON lines, a file per topic and day);
- http_poller logging in (basic auth) to a JSON feed served in the producer's namespace, split into
  one event per item;
- what Logstash refuses when a pipeline starts, rendered bypassing our checks, is refused by our
  settings too; what they accept, Logstash starts.

The twitter source and the OpenSearch sink cannot run here: their plugins come from RubyGems,
which this machine cannot reach (the offline build leaves them out).
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import datetime, timezone

import pytest

from components.errors import ConfigError
from components.logstash import pipelines
from components.schema import PluginChoice
from components.stages import logstash as logstash_stage
from components.stages.plan import Facts
from components.stages.kafka import bootstrap_servers
from tests.integration.broker import Cluster
from tests.integration.flow import PIPELINE_STAGE, stored_records
from tests.integration.jvm import rooted
from tests.integration.logstash import WORK, Logstash, errors, install, printed_events, rubydebug_events, started
from tests.scripts.loader import load
from tests.settings import make

pytestmark = pytest.mark.integration

TOPICS = [{"name": "lsr-gen", "partitions": 2}, {"name": "lsr-file"}, {"name": "lsr-http"}, {"name": "lsr-cases"},
          {"name": "lsr-cases-in"}, {"name": "lsr-held"}]
SINK_DIR = "/var/lib/logstash/out"


def settings_for(**raw):
    # Logstash's own behaviour over plaintext; with logins and TLS: test_integration_security.py.
    return make({"kafka": {"topics": TOPICS, "security": "plaintext"}, **raw}, stack="integration")


@pytest.fixture(scope="module")
def cluster(prerequisites):
    c = Cluster(settings_for(), tag="lsr", subnet="10.213.6", work=WORK / "hosts")
    try:
        c.start()
        c.broker.create_topics()
    except BaseException:
        c.stop()
        raise
    yield c
    c.stop()


@pytest.fixture(scope="module")
def home():
    return install()


@pytest.fixture
def running():
    """Every Logstash a test starts is stopped at its end, whatever happened."""
    started_here: list[Logstash] = []
    yield started_here
    for process in started_here:
        process.kill()


def deploy(cluster: Cluster, home, running: list, role: str, settings, holdable: bool = False, **kw) -> Logstash:
    """The role's pipeline as its stage renders it, on that role's simulated host, started."""
    plan = PIPELINE_STAGE[role].plan(settings, Facts(role=role, bootstrap=bootstrap_servers((cluster.net.ip["broker"],))))
    root = cluster.hosts[role].root
    process = Logstash(cluster.net, home, root, role, plan.files[0].content, **kw)
    running.append(process.start(holdable))
    return process


def committed(cluster: Cluster, group: str, topic: str) -> int:
    """The group's committed offsets on the topic, summed (read from a namespace)."""
    code = textwrap.dedent(f"""
        from kafka.admin import KafkaAdminClient
        a = KafkaAdminClient(bootstrap_servers={cluster.broker.bootstrap!r})
        print(sum(m.offset for tp, m in a.list_group_offsets({group!r}).get({group!r}, {{}}).items()
                  if tp.topic == {topic!r} and m.offset > 0))
    """)
    result = cluster.net.run("producer", [sys.executable, "-c", code], timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


def sink_path(cluster: Cluster) -> str:
    """The file sink's default shape, rooted in the consumer's simulated filesystem."""
    return str(rooted(cluster.hosts["consumer"].root, SINK_DIR)) + "/%{[@metadata][kafka][topic]}-%{+YYYY-MM-dd}.jsonl"


def wait_until(what: str, check, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def polled(events) -> Counter:
    """A polled event is known by its poll's time and its feature."""
    return Counter((e["@timestamp"], e["features"]["id"]) for e in events)


def sink_lines(cluster: Cluster, topic: str) -> list[dict]:
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    path = rooted(cluster.hosts["consumer"].root, SINK_DIR) / f"{topic}-{day}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def test_generator_to_rubydebug_every_event_once_with_its_kafka_metadata(cluster, home, running):
    settings = settings_for(producer={"topic": "lsr-gen", "source": {"type": "generator", "count": 300,
                                                                       "eventsPerSecond": 150}},
                            consumer={"topics": ["lsr-gen"], "groupId": "lsr-gen", "sink": {"type": "stdout"}})
    consumer = deploy(cluster, home, running, "consumer", settings)
    consumer.wait_started()
    producer = deploy(cluster, home, running, "producer", settings)
    # A generator with a count ends its input; Logstash drains, closes the kafka output and exits.
    assert producer.proc.wait(timeout=240) == 0, producer.output()[-3000:]

    stored = stored_records(cluster, "lsr-gen")
    sequences = Counter(r["value"]["sequence"] for r in stored)
    assert sorted(sequences) == list(range(300)) and set(sequences.values()) == {1}, "each event stored once"
    assert {r["value"]["sensor"] for r in stored} == {"lab-1"}, "the generator's JSON message parsed into fields"

    expected = {("lsr-gen", r["partition"], r["offset"]) for r in stored}
    wait_until("every stored event printed", lambda: expected <= set(printed_events(consumer.output())), 120)
    printed = Counter(printed_events(consumer.output()))
    assert set(printed) == expected and set(printed.values()) == {1}
    shown = [e for e in rubydebug_events(consumer.output()) if e.get("topic") == "lsr-gen"]
    assert {e["consumer_group"] for e in shown} == {"lsr-gen"} and {e["sensor"] for e in shown} == {"lab-1"}

    # What make status reads on the host (through SSH there): Logstash's API on the host's loopback,
    # at the port the rendered logstash.yml gives it.
    stats = load("pipeline_stats")

    def consumer_pipelines():
        asked = cluster.net.run("consumer", ["curl", "-fsS", f"http://127.0.0.1:{logstash_stage.API_PORT}"
                                                             f"{stats.STATS_PATH}"], timeout=30)
        assert asked.returncode == 0, asked.stderr
        return [(p.id, p.events_in, p.events_out, p.queued, p.reload_failures)
                for p in stats.parse("consumer", {"role": "consumer"}, asked.stdout, 0.0)]
    # The counters follow the batch a moment after its events are printed.
    wait_until("the API counting every event in and out", lambda: consumer_pipelines() == [("main", 300, 300, 0, 0)], 30)


def test_a_consumer_killed_holding_a_backlog_its_sink_had_not_printed_prints_all_of_it_after_a_restart(
        cluster, home, running):
    # The kafka input commits what it has taken into Logstash's queue, printed or not: the consumer's
    # queue on disk is what keeps those events when Logstash dies. Its sink here stops being read (a
    # full pipe: the stdout output blocks) while 5,000 events wait in the topic.
    settings = settings_for(producer={"topic": "lsr-held", "source": {"type": "generator", "count": 5000,
                                                                        "eventsPerSecond": 100000}},
                            consumer={"topics": ["lsr-held"], "groupId": "lsr-held", "sink": {"type": "stdout"}})
    producer = deploy(cluster, home, running, "producer", settings)
    assert producer.proc.wait(timeout=240) == 0, producer.output()[-3000:]
    ends = {(r["partition"], r["offset"]) for r in stored_records(cluster, "lsr-held")}
    assert len(ends) == 5000

    consumer = deploy(cluster, home, running, "consumer", settings, holdable=True)
    consumer.wait_for("a first event printed", printed_events, 180)
    consumer.hold()
    wait_until("the group committing the whole backlog while its sink is held",
               lambda: committed(cluster, "lsr-held", "lsr-held") >= 5000, 120)
    consumer.kill()
    consumer.release()
    before = printed_events(consumer.drained())
    assert 5000 - len(before) >= 1000, f"the sink printed {len(before)} of 5000 before the kill: it was not held"

    again = Logstash(cluster.net, home, cluster.hosts["consumer"].root, "consumer", consumer.conf.read_text())
    running.append(again.start())
    # A Logstash start on CI's loaded two cores takes up to about 240 s before the first event.
    wait_until("every event printed after the restart",
               lambda: {(p, o) for _, p, o in before + printed_events(again.output())} >= ends, 360)


def test_file_source_to_file_sink_line_by_line(cluster, home, running, run_id):
    log = rooted(cluster.hosts["producer"].root, "/var/log/app") / "app.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{run_id} line {i}" for i in range(60)]
    # Half before Logstash starts (read from the beginning, as configured), half appended while it tails.
    log.write_text("".join(f"{line}\n" for line in lines[:30]))
    settings = settings_for(producer={"topic": "lsr-file", "source": {"type": "file", "path": [str(log.parent / "*.log")],
                                                                        "startPosition": "beginning"}},
                            consumer={"topics": ["lsr-file"], "groupId": "lsr-file",
                                      "sink": {"type": "file", "path": sink_path(cluster)}})
    consumer = deploy(cluster, home, running, "consumer", settings)
    producer = deploy(cluster, home, running, "producer", settings)
    consumer.wait_started()
    producer.wait_started()
    wait_until("the lines already there at the sink", lambda: len(sink_lines(cluster, "lsr-file")) >= 30, 120)
    with open(log, "a") as f:
        f.write("".join(f"{line}\n" for line in lines[30:]))

    wait_until("60 lines at the sink", lambda: len(sink_lines(cluster, "lsr-file")) >= 60, 120)
    written = Counter(e["message"] for e in sink_lines(cluster, "lsr-file"))
    assert set(written) == set(lines) and set(written.values()) == {1}, written
    stored = Counter(r["value"]["message"] for r in stored_records(cluster, "lsr-file"))
    assert stored == written
    assert all(e["path"] == str(log) for e in sink_lines(cluster, "lsr-file"))


# A feed behind basic auth: 401 unless the request carries the expected credentials.
AUTH_FEED = """
import base64, http.server, sys
folder, port, expected = sys.argv[1], int(sys.argv[2]), "Basic " + base64.b64encode(sys.argv[3].encode()).decode()
class Feed(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=folder, **kw)
    def do_GET(self):
        if self.headers.get("Authorization") != expected:
            self.send_response(401); self.send_header("WWW-Authenticate", 'Basic realm="feed"'); self.end_headers()
            return
        super().do_GET()
http.server.ThreadingHTTPServer(("127.0.0.1", port), Feed).serve_forever()
"""
FEED_PASSWORD = "feed-pw-8c1e"


def test_http_poller_logs_in_and_splits_a_feed_into_one_event_per_item(cluster, home, running, tmp_path):
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "quakes.json").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"id": "q1", "properties": {"mag": 1.5}}, {"id": "q2", "properties": {"mag": 2.5}},
        {"id": "q3", "properties": {"mag": 3.5}}]}))
    server = subprocess.Popen(cluster.net.cmd("producer", [sys.executable, "-c", AUTH_FEED, str(feed), "18080",
                                                           f"reader:{FEED_PASSWORD}"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        settings = settings_for(
            producer={"topic": "lsr-http", "source": {"type": "http_poller", "url": "http://127.0.0.1:18080/quakes.json",
                                                      "splitField": "features", "schedule": "5s", "user": "reader",
                                                      "password": FEED_PASSWORD}},
            consumer={"topics": ["lsr-http"], "groupId": "lsr-http", "sink": {"type": "file", "path": sink_path(cluster)}})
        consumer = deploy(cluster, home, running, "consumer", settings)
        # The password reaches Logstash as the stage's secrets file gives it: in its environment.
        producer = deploy(cluster, home, running, "producer", settings, env={"SOURCE_PASSWORD": FEED_PASSWORD})
        wait_until("two polls at the sink", lambda: len(sink_lines(cluster, "lsr-http")) >= 6, 180)
        assert producer.stop() == 0
        stored = stored_records(cluster, "lsr-http")
        in_topic = polled(r["value"] for r in stored)
        wait_until("every stored event at the sink", lambda: not in_topic - polled(sink_lines(cluster, "lsr-http")), 120)
    finally:
        server.kill()
    assert FEED_PASSWORD not in json.dumps(stored)
    events = sink_lines(cluster, "lsr-http")
    ids = Counter(e["features"]["id"] for e in events)
    assert set(ids) == {"q1", "q2", "q3"} and len(set(ids.values())) == 1 and ids["q1"] >= 2, ids
    assert {e["features"]["id"]: e["features"]["properties"]["mag"] for e in events} == {"q1": 1.5, "q2": 2.5, "q3": 3.5}
    printed = polled(events)
    assert (in_topic - printed, printed - in_topic) == (Counter(), Counter()), "each stored event printed once"
    consumer.stop()


# Every source and sink that can run offline, as users write them (rendered through the settings
# and the stages, the product's own path), and next to each rule of refusals.py the values it
# refuses (rendered without the settings' checks): (pipeline id, settings, Logstash's refusal or None).
CASES = [
    ("generator-default", {"producer": {"source": {"type": "generator"}}}, None),
    ("generator-tuned", {"producer": {"source": {"type": "generator", "message": 'plain "quoted" \\ text',
                                                 "count": 5, "eventsPerSecond": 1000}}}, None),
    ("http-preset", {"producer": {"source": {"type": "http_poller"}}}, None),
    ("http-custom", {"producer": {"source": {"type": "http_poller", "url": "http://127.0.0.1:9/feed.json",
                                             "schedule": "1h30m", "splitField": "items"}}}, None),
    ("http-encoded", {"producer": {"source": {"type": "http_poller",
                                              "url": "http://127.0.0.1:9/daten/%C3%BCbersicht.json?a=1&b=%7Bx%7D#top"}}}, None),
    ("http-ipv6", {"producer": {"source": {"type": "http_poller", "url": "http://[::1]:9/feed.json"}}}, None),
    ("file-source", {"producer": {"source": {"type": "file", "path": ["@ROOT@/var/log/app/*.log", "@ROOT@/x.log"],
                                             "startPosition": "beginning"}}}, None),
    ("stdout-default", {"consumer": {"sink": {"type": "stdout"}}}, None),
    ("stdout-plain", {"consumer": {"sink": {"type": "stdout", "metadata": False}}}, None),
    ("file-sink-default", {"consumer": {"sink": {"type": "file"}}}, None),
    ("file-sink-nested", {"consumer": {"sink": {"type": "file", "path": "/var/lib/logstash/%{[@metadata][kafka][topic]}/x.jsonl"}}}, None),
    ("refuse-file-topic-first", {"consumer": {"sink": {"type": "file", "path": "/%{[@metadata][kafka][topic]}/out.jsonl"}}},
     "The starting part of the path should not be dynamic"),
    ("refuse-file-year-first", {"consumer": {"sink": {"type": "file", "path": "/out-%{+YYYY}/x.jsonl"}}},
     "The starting part of the path should not be dynamic"),
    ("refuse-http-umlaut", {"producer": {"source": {"type": "http_poller", "url": "http://127.0.0.1:9/daten/übersicht.json"}}},
     "Invalid URL"),
    ("refuse-http-pipe", {"producer": {"source": {"type": "http_poller", "url": "http://127.0.0.1:9/a|b.json"}}}, "Invalid URL"),
    ("refuse-http-braces", {"producer": {"source": {"type": "http_poller", "url": "http://127.0.0.1:9/{x}.json"}}}, "Invalid URL"),
]
# The producers write a topic no consumer case reads: nothing reaches a sink on this machine.
CASE_TOPICS = {"producer": "lsr-cases-in", "consumer": "lsr-cases"}


def case_pipeline(raw: dict, broker: str, refused: bool) -> str:
    role = "producer" if "producer" in raw else "consumer"
    if not refused:
        settings = settings_for(producer={"topic": CASE_TOPICS["producer"], **raw.get("producer", {})},
                                consumer={"topics": [CASE_TOPICS["consumer"]], **raw.get("consumer", {})})
        return PIPELINE_STAGE[role].plan(settings, Facts(role=role, bootstrap=bootstrap_servers((broker,)))).files[0].content
    # What the settings refuse, built as our code would render it without their checks.
    if role == "consumer":
        return pipelines.consumer(PluginChoice("file", {"path": raw["consumer"]["sink"]["path"]}), f"{broker}:9092",
                                  (CASE_TOPICS["consumer"],), "lsr-cases", "earliest", 1).text()
    return pipelines.producer(PluginChoice("http_poller", {"preset": "usgs-earthquakes", "url": raw["producer"]["source"]["url"],
                                                           "schedule": "1h", "splitField": None, "user": None,
                                                           "password": None}),
                              f"{broker}:9092", CASE_TOPICS["producer"], "1", "none").text()


def test_logstash_starts_what_our_settings_accept_and_refuses_what_they_refuse(cluster, home, running):
    root = cluster.hosts["consumer"].root / "cases"
    cases_dir = rooted(root, logstash_stage.SETTINGS_DIR) / "cases"
    cases_dir.mkdir(parents=True, exist_ok=True)
    yml = ""
    for pid, raw, refusal in CASES:
        raw = json.loads(json.dumps(raw).replace("@ROOT@", str(root)))
        (cases_dir / f"{pid}.conf").write_text(case_pipeline(raw, cluster.net.ip["broker"], refusal is not None))
        yml += f'- pipeline.id: {pid}\n  path.config: "{cases_dir / pid}.conf"\n  pipeline.workers: 1\n'
    logstash = Logstash(cluster.net, home, root, "consumer", "", heap_mb=768, pipelines_yml=yml)
    running.append(logstash.start())
    ids = {pid for pid, _, _ in CASES}
    logstash.wait_for("every case started or failed",
                      lambda text: started(text) | set(errors(text)) >= ids, timeout=300)
    text = logstash.output()
    for pid, raw, refusal in CASES:
        if refusal is None:
            assert pid in started(text), f"{pid}: Logstash did not start it: {errors(text).get(pid)}"
        else:
            assert refusal in errors(text).get(pid, ""), f"{pid}: expected Logstash to refuse it: {errors(text)}"
            with pytest.raises(ConfigError):
                make(raw)
