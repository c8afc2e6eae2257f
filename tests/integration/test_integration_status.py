"""scripts/status.py against the real broker: what it shows is what the broker holds, as the
instructor would see it through the tunnel (here: from the broker host's loopback listener)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.integration import jars
from tests.integration.broker import env

pytestmark = pytest.mark.integration

STATUS = str(jars.ROOT / "scripts" / "status.py")

FEED = """
import json, sys
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
b, topic, sent, read = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
admin = KafkaAdminClient(bootstrap_servers=[b])
admin.create_topics([NewTopic(topic, 2, 1)])
admin.close()
producer = KafkaProducer(bootstrap_servers=[b], acks="all")
for i in range(sent):
    producer.send(topic, json.dumps({"i": i}).encode(), partition=i % 2)
producer.flush()
producer.close()
consumer = KafkaConsumer(topic, bootstrap_servers=[b], group_id=f"{topic}-readers", auto_offset_reset="earliest",
                         enable_auto_commit=False)
got = 0
while got < read:
    for records in consumer.poll(timeout_ms=1000, max_records=read - got).values():
        got += len(records)
consumer.commit()
consumer.close()
"""


def status(cluster, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cluster.net.cmd("broker", [sys.executable, STATUS, "--bootstrap", "localhost:9094", *args]),
                          capture_output=True, text=True, timeout=120, env=env(), cwd=str(jars.ROOT))


def test_status_shows_what_the_broker_holds(cluster, run_id):
    topic = f"status-{run_id}"
    fed = subprocess.run(cluster.net.cmd("broker", [sys.executable, "-c", FEED, "localhost:9094", topic, "30", "12"]),
                         capture_output=True, text=True, timeout=120, env=env(), cwd=str(jars.ROOT))
    assert fed.returncode == 0, fed.stderr[-2000:]

    result = status(cluster, "--topics", topic, "--json")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    snapshot = json.loads(result.stdout)
    assert snapshot["ends"] == {topic: 30} and snapshot["partitions"] == {topic: 2}
    assert snapshot["brokers_up"] == [1] and snapshot["brokers_expected"] == 1
    (group,) = [g for g in snapshot["groups"] if g["name"] == f"{topic}-readers"]
    assert group["lag"] == {topic: 18} and group["members"] == 0

    shown = status(cluster, "--topics", topic, "--students", json.dumps({"ana": topic}), "--once")
    assert shown.returncode == 0, shown.stderr
    for expected in ("Brokers", "ok", topic, "30", "18", "ana", "not connected"):
        assert expected in shown.stdout, (expected, shown.stdout)


def test_status_without_a_broker_says_what_to_do(cluster):
    result = subprocess.run(cluster.net.cmd("producer", [sys.executable, STATUS, "--bootstrap", "127.0.0.1:1",
                                                         "--topics", "twitter", "--json"]),
                            capture_output=True, text=True, timeout=120, env=env(), cwd=str(jars.ROOT))
    assert result.returncode == 1 and "make status" in result.stderr and "Traceback" not in result.stderr
