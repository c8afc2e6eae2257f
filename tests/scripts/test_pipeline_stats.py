"""make status's Logstash view: each host's pipelines read through SSH from Logstash's API, their
rates between two looks, when an event last went out, and the table cell by cell. (Logstash's real
answer: tests/integration/test_logstash_real.py; through real SSH to real hosts: the rehearsal.)"""
from __future__ import annotations

import json
import os

import pytest

from tests.scripts.loader import load
from tests.scripts.test_status import rows


@pytest.fixture(scope="module")
def stats():
    return load("pipeline_stats")


@pytest.fixture(scope="module")
def status():
    return load("status")


ANA = {"role": "consumer", "address": "203.0.113.7", "user": "admin", "sshKey": "~/.ssh/kafka-pipeline-class.pem",
       "student": "ana", "monitoringPort": 9600}


def answer(pipelines: dict) -> str:
    return json.dumps({"host": "h", "version": "9.2.8", "pipelines": pipelines})


def pipeline(stats, host="consumer-ana", events_in=10, events_out=8, at=100.0, pid="main", **kw):
    entry = {**ANA, **kw}
    return stats.Pipeline(host=host, role=entry["role"], student=entry.get("student"), id=pid, events_in=events_in,
                          events_out=events_out, queued=None, reload_failures=0, last_error=None, at=at)


def test_each_pipeline_of_the_answer_is_read_with_its_counters_queue_and_reloads(stats):
    # Only a disk queue's count is shown: the events a consumer has taken off Kafka and still holds.
    text = answer({
        "main": {"events": {"in": 120, "out": 117, "filtered": 117}, "queue": {"type": "persisted", "events_count": 3},
                 "reloads": {"successes": 1, "failures": 2, "last_error": {"message": "Expected one of [ \\t\\r\\n]"}}},
        "ben": {"events": {"in": 5, "out": 5}, "queue": {"type": "memory", "events_count": 0}, "reloads": {"failures": 0, "last_error": None}},
    })
    ben, main = stats.parse("consumer-ana", ANA, text, 42.0)
    assert (main.host, main.role, main.student, main.id) == ("consumer-ana", "consumer", "ana", "main")
    assert (main.events_in, main.events_out, main.queued, main.reload_failures, main.at) == (120, 117, 3, 2, 42.0)
    assert main.last_error == "Expected one of [ \\t\\r\\n]"
    assert (ben.id, ben.events_in, ben.events_out, ben.queued, ben.last_error) == ("ben", 5, 5, None, None)


def test_a_pipeline_not_yet_running_reads_as_zero_events_not_an_error(stats):
    (p,) = stats.parse("producer", {"role": "producer"}, answer({"main": {}}), 1.0)
    assert (p.events_in, p.events_out, p.queued, p.reload_failures, p.student) == (0, 0, None, 0, None)


def test_only_hosts_that_say_where_their_api_is_are_read(stats):
    hosts = {"broker-1": {"role": "broker", "operatorPort": 9094}, "consumer-ana": ANA,
             "producer": {"role": "producer", "monitoringPort": 9600}}
    assert sorted(stats.logstash_hosts(hosts)) == ["consumer-ana", "producer"]


def test_the_api_is_asked_on_the_hosts_loopback_through_the_operators_ssh(stats):
    argv = stats.ssh_command(ANA, "/root/.ssh/kafka-pipeline-class.known_hosts")
    assert argv[0] == "ssh" and argv[argv.index("-i") + 1] == os.path.expanduser("~/.ssh/kafka-pipeline-class.pem")
    options = [argv[i + 1] for i, a in enumerate(argv) if a == "-o"]
    assert {"BatchMode=yes", "StrictHostKeyChecking=accept-new",
            "UserKnownHostsFile=/root/.ssh/kafka-pipeline-class.known_hosts", "ControlMaster=auto"} <= set(options)
    assert argv[-2:] == ["admin@203.0.113.7", "curl -fsS --max-time 5 http://127.0.0.1:9600/_node/stats/pipelines"]
    # The operator's own key (sshPublicKey) lives in their agent: no -i.
    assert "-i" not in stats.ssh_command({**ANA, "sshKey": None}, None)


def fake_ssh(tmp_path, monkeypatch, script: str) -> None:
    """An `ssh` on PATH: the host side of the read, answered by `script` (its last argument is the command)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ssh").write_text("#!/bin/sh\n" + script)
    (bin_dir / "ssh").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")


def test_every_logstash_host_is_read_and_one_that_does_not_answer_is_named_with_why(stats, tmp_path, monkeypatch):
    body = answer({"main": {"events": {"in": 4, "out": 4}}}).replace("'", "'\\''")
    fake_ssh(tmp_path, monkeypatch, f"""for a; do target=$prev; prev=$a; done
case $target in
  admin@203.0.113.7) echo '{body}' ;;
  *) echo "ssh: connect to host 203.0.113.8 port 22: Connection refused" >&2; exit 255 ;;
esac
""")
    hosts = {"consumer-ana": ANA, "producer-ana": {**ANA, "role": "producer", "address": "203.0.113.8"},
             "broker-1": {"role": "broker", "address": "203.0.113.9", "user": "admin", "operatorPort": 9094}}
    found, unread = stats.read(hosts)
    assert [(p.host, p.id, p.events_out) for p in found] == [("consumer-ana", "main", 4)]
    assert [(u.host, u.role, u.student, u.error) for u in unread] == [
        ("producer-ana", "producer", "ana", "ssh: connect to host 203.0.113.8 port 22: Connection refused")]


def test_an_answer_that_is_not_logstashs_is_reported_not_raised(stats, tmp_path, monkeypatch):
    fake_ssh(tmp_path, monkeypatch, "echo '<html>proxy</html>'\n")
    found, (unread,) = stats.read({"consumer-ana": ANA})
    assert found == [] and unread.error.startswith("unreadable stats: ")


def test_rates_come_from_two_looks_and_none_across_a_restart(stats):
    before = [pipeline(stats, events_in=10, events_out=8, at=100.0),
              pipeline(stats, host="producer-ana", events_in=500, events_out=500, at=100.0, role="producer")]
    now = [pipeline(stats, events_in=30, events_out=28, at=104.0),
           # Restarted in between: its counters began again from zero.
           pipeline(stats, host="producer-ana", events_in=12, events_out=12, at=104.0, role="producer"),
           pipeline(stats, host="consumer-ben", at=104.0)]
    assert stats.rates(before, now) == {("consumer-ana", "main"): (5.0, 5.0)}
    assert stats.rates([], now) == {} and stats.rates(now, now) == {}


def test_the_last_event_out_is_the_first_look_that_saw_the_counter_grow(stats):
    first = [pipeline(stats, events_out=8, at=100.0)]
    seen = stats.last_out([], first, {})
    assert seen == {}, "one look cannot tell when an event last went out"
    seen = stats.last_out(first, [pipeline(stats, events_out=9, at=102.0)], seen)
    assert seen == {("consumer-ana", "main"): 102.0}
    seen = stats.last_out([pipeline(stats, events_out=9, at=102.0)], [pipeline(stats, events_out=9, at=104.0)], seen)
    assert seen == {("consumer-ana", "main"): 102.0}, "no event since: the time stays"
    seen = stats.last_out([pipeline(stats, events_out=9, at=104.0)], [pipeline(stats, events_out=2, at=106.0)], seen)
    assert seen == {("consumer-ana", "main"): 106.0}, "restarted and sent events since"


def test_the_pipelines_table_cell_by_cell(stats, status):
    ana = pipeline(stats, events_out=28, at=104.0)
    ana.queued = 2
    ben = pipeline(stats, host="producer-ben", events_in=7, events_out=7, at=104.0, role="producer", student="ben")
    # Logstash's message, brackets and all, shown as written (not read as the table's markup).
    ben.reload_failures, ben.last_error = 1, "[/main] Expected one of [ \\t\\r\\n], \"#\", \"{\" at line 3"
    gone = stats.Unread("consumer-ben", "consumer", "ben", "ssh: connect to host port 22: Connection refused")
    now = status.Snapshot(at=104.0, brokers_expected=1, brokers_up=[1], controller=1, ends={}, partitions={},
                          pipelines=[ben, ana], unread=[gone])
    view = status.render(now, {}, {}, {("consumer-ana", "main"): (5.0, 4.5)}, {("consumer-ana", "main"): 101.0})
    table = view.renderables[-1]
    assert table.title == "Logstash pipelines"
    assert rows(table) == [
        ["consumer-ana", "ana", "main", "5.0", "4.5", "28", "2", "3s ago", "0"],
        ["consumer-ben", "ben", "-", "-", "-", "-", "-", "-", "no answer: ssh: connect to host port 22: Connection refused"],
        ["producer-ben", "ben", "main", "0.0", "0.0", "7", "-", "-",
         "1: [/main] Expected one of [ \\t\\r\\n], \"#\", \"{\" at line 3"]]


def test_no_pipelines_table_when_no_logstash_host_was_read(status):
    now = status.Snapshot(at=1.0, brokers_expected=1, brokers_up=[1], controller=1, ends={}, partitions={})
    assert [t.title for t in status.render(now, {}, {}).renderables] == ["Brokers", "Topics", "Consumer groups"]
