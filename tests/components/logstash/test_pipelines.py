"""The producer's and consumer's pipelines around a source or sink: the Kafka client each renders."""
from __future__ import annotations

import types

import pytest

from components.logstash import lscl, pipelines
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece
from components.logstash.sinks import SINKS
from components.logstash.verify import PipelineMismatch
from components.schema import PluginChoice

GENERATOR = PluginChoice("generator", {"message": "m", "count": 3, "eventsPerSecond": 7})
STDOUT = PluginChoice("stdout", {"metadata": False})


def test_the_producer_names_itself_to_the_broker():
    kafka = pipelines.producer(GENERATOR, "10.0.0.5:9092", "t1", "all", "lz4").pipeline.outputs[0]
    assert kafka.options["client_id"] == "kafka-pipeline-producer"


@pytest.mark.parametrize("partitions, threads", [(0, 1), (1, 1), (3, 3)])
def test_the_consumer_runs_one_thread_per_partition_and_names_itself(partitions, threads):
    kafka = pipelines.consumer(STDOUT, "10.0.0.5:9092", ("t1",), "g1", "earliest", partitions).pipeline.inputs[0]
    assert kafka.options["consumer_threads"] == threads
    assert kafka.options["client_id"] == "kafka-pipeline-consumer"


def test_a_sinks_filters_run_in_the_consumer(monkeypatch):
    # A sink is one module and one registry entry; what it filters must reach the pipeline.
    tagging = types.SimpleNamespace(render=lambda options: Piece(blocks=(Plugin("stdout"),),
                                                                 filters=(Plugin("mutate", {"add_tag": ["seen"]}),)))
    monkeypatch.setitem(SINKS, "tagging", tagging)
    built = pipelines.consumer(PluginChoice("tagging", {}), "10.0.0.5:9092", ("t1",), "g1", "earliest", 1)
    assert built.pipeline.filters == (Plugin("mutate", {"add_tag": ["seen"]}),)


def test_a_producer_render_that_does_not_read_back_names_the_producer(monkeypatch):
    built = pipelines.producer(GENERATOR, "10.0.0.5:9092", "t1", "all", "lz4")
    assert built.role == "producer"
    monkeypatch.setattr(lscl, "render", lambda p: "output { }")
    with pytest.raises(PipelineMismatch, match="^the producer pipeline does not read back"):
        built.text()

