"""The Logstash stand-in, for real, without a broker: the tarball build.py makes, unpacked and run
through a symlink with Debian's /usr/bin/python3, as the hosts run it.

- The build is deterministic, laid out like a release, and ships our own parser.
- Every pipeline our code renders (each source and sink) passes its `--config.test_and_exit`, and a
  config with something it does not know fails naming it.
- The file input tails and resumes from its sincedb.
"""
from __future__ import annotations

import hashlib
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from components.logstash import lscl
from components.logstash.parse import parse
from tests.rehearsal.logstash_standin.build import build
from tests.rehearsal.standin_harness import ENV, TOPIC, VERSION, config_test, render, run, settings_for, write_conf


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
    plan = render(settings_for(**raw), role)
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


DEFAULT_PRODUCER = render(settings_for(), "producer").files[0].content
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
    "not-installed": (render(settings_for(consumer={"sink": {
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
    rendered = parse(render(settings_for(producer={"source": source}), "producer").files[0].content)
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
