"""A local pipeline on a Kafka it did not create (kafka.provider existing), with the real engine and
real Logstash: the stack makes the two Logstash hosts only, and the queue is a real broker this test
runs itself (its jars from Maven Central, the release the default deployment runs, configured as our
kafka stage renders it), in a namespace on the stack's bridge, as a team's own Kafka would sit on
their network. Every acknowledged event is in the topic and every stored one printed, by identity."""
from __future__ import annotations

import time

import pytest

from tests.integration.broker import Cluster
from tests.integration.netns import Network
from tests.rehearsal.scenario import (Probe, Rehearsal, keep_books, lifecycles, logstash_figures,
                                      producer_pipeline, report, stage_durations, summary)
from tests.settings import make

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

STACK, SUBNET = "rehearsal-ext", "10.214.207.0/24"
# Above the addresses the platform leases (from .10 up): the user's broker on the hosts' network.
BROKER_HOST = 250
BROKER = f"10.214.207.{BROKER_HOST}:9092"


def test_a_pipeline_on_a_kafka_it_did_not_create_carries_every_acknowledged_event(capsys):
    config = {"kafka": {"provider": "existing", "bootstrapServers": [BROKER]}}
    with Rehearsal(STACK, SUBNET, config) as r:
        r.ws.up()
        outputs = r.ws.outputs()
        assert outputs["bootstrapServers"] == BROKER and sorted(outputs["hosts"]) == ["consumer", "producer"]
        assert "sshBroker" not in outputs
        assert not [x for x in r.ws.resources() if x["type"] == "kafka-pipeline:index:KafkaServer"]
        # The bridge exists once the stack is up: the broker joins it now, and the pipelines, which
        # have been retrying since they started, find it.
        net = Network("ext", SUBNET.rsplit(".", 1)[0], hosts=("broker",), bridge=r.bridge, first=BROKER_HOST)
        # A team's own Kafka on plaintext: kafka.security is about our brokers, theirs is theirs.
        cluster = Cluster(make({"kafka": {"security": "plaintext"}}), tag="ext", net=net)
        try:
            cluster.start()
            cluster.broker.create_topics()  # as a team creates theirs: kafka.provider existing creates none
            assert cluster.broker.bootstrap == BROKER
            remotes = r.hosts()
            first = r.first_event(remotes["consumer"])
            with Probe(producer_pipeline(remotes["producer"]), "existing") as probe:
                time.sleep(10)
            assert probe.failed == [] and probe.acked, (probe.failed[:5], len(probe.acked))
            books = keep_books(r, remotes, BROKER, probe.acked)
            report(capsys, summary("on an existing Kafka", first, stage_durations(remotes), books,
                                   logstash_figures(r, remotes)))
            assert books.lost == 0 and books.received == books.stored > 0, \
                f"{books}\n{lifecycles(remotes, ['consumer'])}"
        finally:
            cluster.stop()
