"""pipeline.sh's write_jaas, run for real: the producer's Kafka login becomes a JAAS file only Logstash's
group may read, rewritten only when it changes, and removed when the pipeline no longer logs in.
(`chown` is stood in for: this machine has no logstash group; the mode is the real one.)"""
from __future__ import annotations

from pathlib import Path

from tests.scripts import jaas

LINE = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="producer" password="p4ss";'


def write_jaas(path: Path, wanted: str, line: str | None = LINE):
    return jaas.write_jaas(path, wanted, line)


def test_the_login_becomes_a_jaas_file_for_logstash_only(tmp_path):
    path = tmp_path / "kafka-client.jaas"
    first = write_jaas(path, "1")
    assert first.returncode == 0, first.stderr
    assert path.read_text() == f"KafkaClient {{\n  {LINE}\n}};\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert "chown root:logstash" in first.stderr
    assert "p4ss" not in first.stderr


def test_an_unchanged_login_leaves_the_file_alone_and_a_new_one_replaces_it(tmp_path):
    path = tmp_path / "kafka-client.jaas"
    write_jaas(path, "1")
    before = path.stat().st_ino
    again = write_jaas(path, "1")
    assert "updated" not in again.stderr and path.stat().st_ino == before
    changed = write_jaas(path, "1", LINE.replace("p4ss", "n3w"))
    assert "updated" in changed.stderr and "n3w" in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["kafka-client.jaas"], "a temporary file was left behind"


def test_a_pipeline_that_no_longer_logs_in_loses_the_file(tmp_path):
    path = tmp_path / "kafka-client.jaas"
    write_jaas(path, "1")
    assert write_jaas(path, "0", None).returncode == 0
    assert not path.exists()


def test_a_wanted_login_that_did_not_arrive_stops_the_stage(tmp_path):
    result = write_jaas(tmp_path / "kafka-client.jaas", "1", None)
    assert result.returncode != 0 and "did not arrive on stdin" in result.stderr
