"""scripts/status.py's view, cell by cell: events/s from two looks, each broker's health, each
student's lag and whether their consumer is reading. (The figures themselves against a real broker:
tests/integration/test_integration_status.py.)"""
from __future__ import annotations

import pytest

from tests.scripts.loader import load


@pytest.fixture(scope="module")
def status():
    return load("status")


def rows(table) -> list[list[str]]:
    """The table's cells row by row, markup stripped."""
    from rich.text import Text
    columns = [[Text.from_markup(str(c)).plain for c in column._cells] for column in table.columns]
    return [list(row) for row in zip(*columns)]


def snapshot(status, at: float, ends: dict[str, int], groups=(), up=(1,), expected=1):
    return status.Snapshot(at=at, brokers_expected=expected, brokers_up=list(up), controller=1, ends=ends,
                           partitions={t: 2 for t in ends}, groups=list(groups))


def test_events_per_second_come_from_the_growth_of_each_topic_between_two_looks(status):
    before = snapshot(status, 100.0, {"twitter-ana": 40, "twitter-ben": 10})
    now = snapshot(status, 104.0, {"twitter-ana": 60, "twitter-ben": 10, "twitter-cho": 7})
    assert status.rates(before, now) == {"twitter-ana": 5.0, "twitter-ben": 0.0, "twitter-cho": 0.0}
    assert status.rates(None, now) == {} and status.rates(now, now) == {}


def test_each_student_shows_events_rate_lag_and_whether_their_consumer_reads(status):
    groups = [status.Group("logstash-ana", 1, {"twitter-ana": 3}), status.Group("logstash-ben", 0, {"twitter-ben": 10})]
    now = snapshot(status, 104.0, {"twitter-ana": 60, "twitter-ben": 10}, groups)
    view = status.render(now, {"twitter-ana": 5.0}, {"ana": "twitter-ana", "ben": "twitter-ben"})
    brokers, topics, consumer_groups, students = view.renderables
    assert rows(students) == [["ana", "twitter-ana", "60", "5.0", "3", "reading"],
                              ["ben", "twitter-ben", "10", "0.0", "10", "not connected"]]
    assert rows(topics) == [["twitter-ana", "2", "60", "5.0"], ["twitter-ben", "2", "10", "0.0"]]
    assert rows(consumer_groups) == [["logstash-ana", "twitter-ana", "3", "1"], ["logstash-ben", "twitter-ben", "10", "0"]]
    assert rows(brokers) == [["1", "1", "1", "ok"]]


def test_a_missing_broker_is_shown_as_missing_not_ok(status):
    view = status.render(snapshot(status, 1.0, {"t": 1}, up=(1, 3), expected=3), {}, {})
    assert rows(view.renderables[0]) == [["1, 3", "3", "1", "broker(s) missing"]]
    assert len(view.renderables) == 3, "no students table without students"


def test_a_kafka_the_stack_does_not_run_is_ok_with_any_broker_up_and_expects_no_count(status):
    view = status.render(snapshot(status, 1.0, {"t": 1}, up=(4, 7), expected=None), {}, {})
    assert rows(view.renderables[0]) == [["4, 7", "-", "1", "ok"]]
    view = status.render(snapshot(status, 1.0, {"t": 1}, up=(), expected=None), {}, {})
    assert rows(view.renderables[0]) == [["none", "-", "1", "broker(s) missing"]]


def test_the_script_names_our_brokers_as_the_settings_do(status):
    from components.settings import OWN_BROKERS
    assert status.OWN_BROKERS == OWN_BROKERS


def fake_pulumi(tmp_path, monkeypatch, outputs: dict) -> None:
    """A `pulumi` on PATH that answers `stack output --json` as a deployed stack would."""
    import json
    cli = tmp_path / "bin" / "pulumi"
    cli.parent.mkdir()
    cli.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(outputs)}\nEOF\n")
    cli.chmod(0o755)
    monkeypatch.setenv("PATH", f"{cli.parent}:/usr/bin:/bin")


def test_a_stack_without_students_is_read_as_one_pipeline_not_refused(status, tmp_path, monkeypatch, capsys):
    # Nothing listens on loopback's discard port: reading the cluster fails, after the outputs were read.
    fake_pulumi(tmp_path, monkeypatch, {"operatorBootstrap": "127.0.0.1:9", "topics": ["twitter"], "hosts": {}})
    assert status.main(["--once"]) == 1
    said = capsys.readouterr().err
    assert said.startswith("FAIL: cannot read the cluster at 127.0.0.1:9"), said


def test_a_stack_never_deployed_says_what_to_do(status, tmp_path, monkeypatch, capsys):
    fake_pulumi(tmp_path, monkeypatch, {})
    assert status.main(["--once"]) == 1
    assert "is the stack deployed? make up" in capsys.readouterr().err
