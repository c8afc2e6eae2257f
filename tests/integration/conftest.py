"""Fixtures: one real broker per Kafka mode (KRaft on DEFAULT_KAFKA, ZooKeeper on ZOOKEEPER_KAFKA),
in its own namespaces, with topics created once the way the topics stage does it.

Missing prerequisites (root, iproute2, Java, Maven/jars) FAIL the tests with a clear message;
nothing here skips.
"""
from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from components import releases
from tests.integration import jars, netns
from tests.integration.broker import Cluster, env
from tests.settings import make

TOPICS = [
    {"name": "twitter"},                      # the default: 1 partition
    {"name": "events", "partitions": 3},
    {"name": "durable", "partitions": 3},
    {"name": "wiped", "partitions": 3},
]
MODES = {
    "kraft": {"version": releases.DEFAULT_KAFKA, "mode": "kraft"},
    "zookeeper": {"version": releases.ZOOKEEPER_KAFKA, "mode": "zookeeper"},
}


def settings_for(mode: str, topic: str = "twitter", group: str = "logstash"):
    # The broker's own behaviour (durability, restarts, modes) on the tutorial's plaintext; logins,
    # TLS and ACLs, the default, are proven in test_integration_security.py and the rehearsal.
    raw = {"kafka": {**MODES[mode], "topics": TOPICS, "security": "plaintext"}, "producer": {"topic": topic}, "consumer": {"groupId": group}}
    return make(raw, stack="integration")


def describe(cluster: Cluster, topics: list[str]) -> dict:
    result = subprocess.run(cluster.client("producer", "describe", "--bootstrap", cluster.broker.bootstrap,
                                           "--topics", ",".join(topics)),
                            capture_output=True, text=True, timeout=60, env=env(), cwd=str(jars.ROOT))
    assert result.returncode == 0, f"describe failed:\n{result.stdout}{result.stderr}"
    return json.loads(result.stdout)


def running_config(client, bootstrap: str, node: int, host: str = "producer") -> dict[str, str | None]:
    """The configuration a running broker reports for itself (DescribeConfigs), asked from `host`."""
    result = subprocess.run(client(host, "broker-config", "--bootstrap", bootstrap, "--broker", str(node)),
                            capture_output=True, text=True, timeout=60, env=env(), cwd=str(jars.ROOT))
    assert result.returncode == 0, f"broker-config failed:\n{result.stdout}{result.stderr}"
    return json.loads(result.stdout)


def not_running_as_rendered(rendered_text: str, running: dict[str, str | None]) -> dict[str, tuple]:
    """Rendered key -> (rendered value, what the broker runs with) wherever they differ; a key the
    broker does not know at all (a typo, a removed setting) shows as not a config of this broker."""
    rendered = dict(line.split("=", 1) for line in rendered_text.splitlines() if line.strip() and not line.startswith("#"))
    return {key: (value, running.get(key, "<not a config of this broker>")) for key, value in rendered.items()
            if running.get(key) != value}


@pytest.fixture(scope="session")
def prerequisites():
    try:
        netns.require_tools()
    except netns.SetupError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session", params=list(MODES))
def cluster(request, prerequisites):
    mode = request.param
    c = Cluster(settings_for(mode))
    try:
        c.start()
    except Exception as error:  # noqa: BLE001
        c.stop()
        pytest.fail(f"{mode} broker did not start: {error}", pytrace=False)
    c.first_topic_run = c.broker.create_topics()
    c.topics_after_first_run = describe(c, [t["name"] for t in TOPICS])
    yield c
    c.stop()


@pytest.fixture
def run_id():
    return uuid.uuid4().hex[:12]
