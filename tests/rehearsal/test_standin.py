"""The Logstash stand-in, for real: the tarball build.py makes, unpacked and run through a symlink
with Debian's /usr/bin/python3, as the hosts run it.

- The build is deterministic, laid out like a release, and ships our own parser.
- Every pipeline our code renders (each source and sink) passes its `--config.test_and_exit`, and a
  config with something it does not know fails naming it.
- The file input tails and resumes from its sincedb (no broker needed).
- Against a real broker in network namespaces: a producer stand-in (generator, counted) and a
  consumer stand-in (file sink) deliver every event exactly once, and what the producer counted as
  acknowledged is what arrived; a consumer stopped mid-stream resumes from its committed offsets; a
  group reading with rubydebug shows each event's Kafka metadata; both ride out a kill -9 of the
  broker; an unreachable broker is waited for, not fatal.
"""
from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from components import releases, settings as settings_mod
from components.logstash import lscl
from components.logstash.parse import parse
from components.stages import logstash as logstash_stage
from components.stages import pipeline
from components.stages.plan import Facts
from tests.integration import netns
from tests.integration.broker import Cluster, rooted
from tests.rehearsal.logstash_standin.build import build

VERSION = releases.DEFAULT_LOGSTASH
# Only the system's directories: `python3` is then Debian's, as on the hosts, not this venv's.
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
SSH = ["203.0.113.7/32"]  # documentation range: settings require one; nothing connects to it
TOPIC = "sti"
# One topic per broker test, so each runs alone too.
TOPICS = [{"name": TOPIC, "partitions": 3}, {"name": "sti-meta", "partitions": 2}, {"name": "sti-restart", "partitions": 3}]


def make_settings(**raw):
    base = {"sshCidrs": SSH, "kafka": {"topics": TOPICS}, "producer": {"topic": TOPIC}}
    for key, value in raw.items():
        base[key] = {**base.get(key, {}), **value}
    return settings_mod.parse(base, stack="rehearsal", region="ap-northeast-2")


def render(settings, role: str, broker: str = "10.213.9.2"):
    return pipeline.plan(settings, Facts(role=role, brokers=(broker,)))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return build(VERSION, tmp_path_factory.mktemp("dist"))


def unpack(archive: Path, base: Path) -> Path:
    """As the logstash stage installs a release: unpacked into its own folder, reached through a symlink."""
    release = base / f"logstash-{VERSION}"
    release.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "--strip-components=1", "-C", str(release)], check=True)
    (base / "logstash").symlink_to(release)
    return base / "logstash"


@pytest.fixture(scope="module")
def home(archive, tmp_path_factory) -> Path:
    return unpack(archive, tmp_path_factory.mktemp("standin"))


@pytest.fixture(scope="module")
def pristine(archive, tmp_path_factory) -> Path:
    """A release no test installs plugins into."""
    return unpack(archive, tmp_path_factory.mktemp("pristine"))


@pytest.fixture(scope="module")
def settings_dir(tmp_path_factory) -> Path:
    """logstash.yml exactly as the logstash stage renders it."""
    path = tmp_path_factory.mktemp("etc-logstash")
    (path / "logstash.yml").write_text(logstash_stage.yaml_lines(logstash_stage.logstash_yml()))
    return path


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(home / "bin" / "logstash"), *args], capture_output=True, text=True, timeout=60,
                          env={**ENV, **(env or {})})


def config_test(home: Path, settings_dir: Path, conf: Path, tmp_path: Path,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run(home, "--path.settings", str(settings_dir), "--path.config", str(conf),
               "--path.data", str(tmp_path / "scratch-data"), "--config.test_and_exit", env=env)


def write_conf(tmp_path: Path, text: str) -> Path:
    """A conf.d folder holding pipeline.conf, as the pipeline stage lays it out."""
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)
    (conf_d / "pipeline.conf").write_text(text)
    return conf_d


def test_build_is_deterministic_and_laid_out_like_a_release(archive, home, tmp_path):
    began = time.monotonic()
    again = build(VERSION, tmp_path / "again")
    took = time.monotonic() - began
    assert again.name == f"logstash-{VERSION}-linux-x86_64.tar.gz"
    assert hashlib.sha512(again.read_bytes()).digest() == hashlib.sha512(archive.read_bytes()).digest()
    assert took < 5, f"a cached build took {took:.1f}s"
    names = subprocess.run(["tar", "-tzf", str(again)], capture_output=True, text=True, check=True).stdout.split()
    assert {n.split("/")[0] for n in names} == {f"logstash-{VERSION}"}
    for inside in ("bin/logstash", "bin/logstash-plugin", "config/jvm.options", "config/log4j2.properties",
                   "lib/standin/parse.py", "lib/standin/lscl.py", "vendor/python/kafka/__init__.py",
                   "vendor/python/lz4/__init__.py"):
        assert f"logstash-{VERSION}/{inside}" in names, inside
    ours = Path(lscl.__file__).with_name("parse.py")
    shipped = (home / "lib" / "standin" / "parse.py").read_text()
    assert shipped == ours.read_text().replace("from components.logstash.lscl import", "from standin.lscl import")


def test_version_and_plugin_cli(home):
    assert run(home, "--version").stdout.strip() == f"logstash {VERSION}"
    plugin = str(home / "bin" / "logstash-plugin")
    listed = subprocess.run([plugin, "list"], capture_output=True, text=True, env=ENV, check=True).stdout.split()
    for name in ("logstash-input-generator", "logstash-input-file", "logstash-input-http_poller",
                 "logstash-input-twitter", "logstash-filter-sleep", "logstash-filter-split",
                 "logstash-output-stdout", "logstash-output-file", "logstash-integration-kafka",
                 "logstash-input-kafka", "logstash-output-kafka", "logstash-codec-json",
                 "logstash-codec-json_lines", "logstash-codec-rubydebug"):
        assert name in listed, name
    refused = subprocess.run([plugin, "update"], capture_output=True, text=True, env=ENV)
    assert refused.returncode == 1 and "list" in refused.stderr
    unknown = subprocess.run([plugin, "install", "logstash-output-elasticsearch"], capture_output=True, text=True,
                             env=ENV)
    assert unknown.returncode == 1 and "logstash-output-elasticsearch" in unknown.stderr
    installed = subprocess.run([plugin, "install", "logstash-output-opensearch"], capture_output=True, text=True,
                               env=ENV, check=True)
    assert installed.stdout.rstrip().endswith("Installation successful")
    listed = subprocess.run([plugin, "list"], capture_output=True, text=True, env=ENV, check=True).stdout.split()
    assert "logstash-output-opensearch" in listed


RENDERS = {
    "source-generator": ("producer", {}),
    "source-generator-counted": ("producer", {"producer": {"source": {
        "type": "generator", "count": 10, "eventsPerSecond": 1000,
        "message": '{"quote":"\\"","backslash":"\\\\","tab":"\\t","ref":"%{x}"}'}}}),
    "source-file": ("producer", {"producer": {"source": {
        "type": "file", "path": ["/var/log/*.log", "/srv/app/[a-z]*.log"], "startPosition": "beginning"}}}),
    "source-http_poller": ("producer", {"producer": {"source": {"type": "http_poller"}}}),
    "source-http_poller-custom": ("producer", {"producer": {"source": {
        "type": "http_poller", "url": "https://example.org/feed.json", "schedule": "1h30m", "splitField": "items"}}}),
    "source-twitter": ("producer", {"producer": {"source": {
        "type": "twitter", "consumerKey": "k", "consumerSecret": 's"\\', "oauthToken": "t",
        # Secrets travel as environment: a value holding ${ is not substituted again.
        "oauthTokenSecret": "${NOT_A_REF}", "keywords": ["kafka", "logstash"], "fullTweet": True}}}),
    "producer-acks-1-gzip": ("producer", {"producer": {"acks": "1", "compression": "gzip"}}),
    "producer-acks-0-none": ("producer", {"producer": {"acks": "0", "compression": "none"}}),
    "sink-stdout": ("consumer", {}),
    "sink-stdout-no-metadata": ("consumer", {"consumer": {"sink": {"type": "stdout", "metadata": False}}}),
    "sink-file": ("consumer", {"consumer": {"sink": {"type": "file"}}}),
    "sink-file-custom": ("consumer", {"consumer": {"sink": {
        "type": "file", "path": "/data/%{[@metadata][kafka][partition]}/%{host}-%{+YYYY.MM.dd}.jsonl"}}}),
    "sink-opensearch": ("consumer", {"consumer": {"sink": {
        "type": "opensearch", "hosts": ["https://search.example.org:9200"], "user": "admin", "password": "p4$$w0rd",
        "sslCertificateVerification": False}}}),
    "consumer-latest-two-topics": ("consumer", {
        "consumer": {"topics": [TOPIC, "sti-meta"], "autoOffsetReset": "latest", "groupId": "g.1"}}),
}


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_every_render_passes_the_config_test(name, home, settings_dir, tmp_path):
    role, raw = RENDERS[name]
    plan = render(make_settings(**raw), role)
    for plugin in plan.env["PIPELINE_PLUGINS"].split():  # as the pipeline stage's ensure_plugins
        installed = subprocess.run([str(home / "bin" / "logstash-plugin"), "list"], capture_output=True,
                                   text=True, env=ENV, check=True).stdout.split()
        if plugin not in installed:
            subprocess.run([str(home / "bin" / "logstash-plugin"), "install", plugin], env=ENV, check=True,
                           capture_output=True)
    secrets = {k: v.value for k, v in plan.secrets.items()}
    result = config_test(home, settings_dir, write_conf(tmp_path, plan.files[0].content), tmp_path, env=secrets)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Configuration OK\n")
    assert not (tmp_path / "scratch-data").exists(), "a config test must not need path.data"


DEFAULT_PRODUCER = render(make_settings(), "producer").files[0].content
BROKEN = {
    "unknown-option": (DEFAULT_PRODUCER.replace("count => 0", "count => 0\n    frobnicate => 1"), {},
                       "Unknown setting 'frobnicate' for generator"),
    "unknown-plugin": (DEFAULT_PRODUCER.replace("generator {", "beats {"), {},
                       "Couldn't find any input plugin named 'beats'"),
    "unknown-codec": (DEFAULT_PRODUCER.replace("codec => json { }", "codec => avro { }", 1), {},
                      "Couldn't find any codec plugin named 'avro'"),
    "unresolved-variable": (DEFAULT_PRODUCER.replace(f'"{TOPIC}"', '"${TOPIC_NAME}"'), {},
                            "Replacement variable `TOPIC_NAME` is not defined"),
    "wrong-type": (DEFAULT_PRODUCER.replace("count => 0", 'count => "many"'), {},
                   "Invalid setting for generator input plugin: count: Expected number"),
    "unimplemented-value": (DEFAULT_PRODUCER.replace('"lz4"', '"zstd"'), {},
                            "compression_type: Expected one of"),
    "missing-required": (re.sub(r'\n\s*topic_id => "sti"', "", DEFAULT_PRODUCER), {},
                         "Missing a required setting for the kafka output plugin: topic_id"),
    "not-installed": (render(make_settings(consumer={"sink": {
        "type": "opensearch", "hosts": ["https://s.example.org"], "user": "admin", "password": "p"}}), "consumer").files[0].content,
        {"SINK_PASSWORD": "p"}, "Couldn't find any output plugin named 'opensearch'"),
    "syntax": ("input { generator { count => } }\noutput { stdout { } }\n", {}, "line 1, column"),
    "decoding-with-rubydebug": (DEFAULT_PRODUCER.replace("codec => json { }", "codec => rubydebug { }", 1), {},
                                "the rubydebug codec cannot decode"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_config_test_fails_naming_what_is_wrong(name, pristine, settings_dir, tmp_path):
    text, env, expected = BROKEN[name]
    result = config_test(pristine, settings_dir, write_conf(tmp_path, text), tmp_path, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert expected in result.stdout, result.stdout
    assert "Configuration OK" not in result.stdout


def test_settings_the_stand_in_does_not_implement_are_refused(home, tmp_path):
    conf = write_conf(tmp_path, DEFAULT_PRODUCER)
    for yml, expected in (("config.support_escapes: true\n", "pipeline.ecs_compatibility"),
                          ('pipeline.ecs_compatibility: "disabled"\n', "config.support_escapes"),
                          ("config.support_escapes: true\npipeline.ecs_compatibility: disabled\nqueue.type: persisted\n",
                           'Setting "queue.type" doesn\'t exist')):
        (tmp_path / "logstash.yml").write_text(yml)
        result = config_test(home, tmp_path, conf, tmp_path)
        assert result.returncode == 1 and expected in result.stdout, result.stdout


def test_file_input_tails_and_resumes_from_its_sincedb(home, settings_dir, tmp_path):
    """The file source's rendered input, its events written by a file output instead of Kafka."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.log").write_text("old-1\nold-2\n")
    source = {"type": "file", "path": [f"{logs}/*.log"], "startPosition": "end"}
    rendered = parse(render(make_settings(producer={"source": source}), "producer").files[0].content)
    out = tmp_path / "out.jsonl"
    conf = write_conf(tmp_path, lscl.render(lscl.Pipeline(
        inputs=rendered.inputs, filters=rendered.filters,
        outputs=(lscl.Plugin("file", {"path": str(out), "codec": lscl.Plugin("json_lines")}),))))

    def start() -> subprocess.Popen:
        proc = subprocess.Popen([str(home / "bin" / "logstash"), "--path.settings", str(settings_dir), "-f", str(conf),
                                 "--path.data", str(tmp_path / "data")], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=ENV)
        for line in proc.stdout:
            if "Pipelines running" in line:
                time.sleep(1)  # its first look at the files, where start_position applies, is done
                return proc
        raise AssertionError(f"no pipeline running (exit {proc.wait()})")

    def lines(at_least: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if out.exists() and len(out.read_text().splitlines()) >= at_least:
                return
            time.sleep(0.1)
        raise AssertionError(f"{out}: fewer than {at_least} lines")

    def stop(proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[0]
        assert proc.returncode == 0, rest

    proc = start()
    with open(logs / "app.log", "a") as f:
        f.write("one\ntwo\npart")
    (logs / "new.log").write_text("fresh\n")  # appeared after start: read from its beginning
    lines(3)
    stop(proc)
    with open(logs / "app.log", "a") as f:
        f.write("ial\nthree\n")
    proc = start()
    lines(5)
    time.sleep(1.5)
    stop(proc)
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(e["message"] for e in events) == ["fresh", "one", "partial", "three", "two"]
    for e in events:
        assert e["path"] in (str(logs / "app.log"), str(logs / "new.log")) and e["host"] and e["@version"] == "1"


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
    c = Cluster(make_settings(), tag="sti", subnet="10.213.9")
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
    return make_settings(producer={"topic": topic, "source": {
        "type": "generator", "count": count, "eventsPerSecond": rate, "message": json.dumps({"run": run})}})


def out_dir(cluster: Cluster) -> Path:
    return rooted(cluster.hosts["consumer"].root, "/var/lib/logstash/out")


def file_sink_settings(cluster: Cluster, topic: str, group: str):
    return make_settings(producer={"topic": topic}, consumer={"groupId": group, "sink": {
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
    settings = make_settings(producer={"topic": "sti-meta"},
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
