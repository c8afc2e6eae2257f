"""The producer's and consumer's pipelines, built as data from plain values: a source or sink
choice, the brokers, topics and client settings. Knows nothing of the stack's settings."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.errors import Secret
from components.logstash import verify
from components.logstash.lscl import Pipeline, Plugin, Ref
from components.logstash.sinks import SINKS
from components.logstash.sources import SOURCES
from components.schema import PluginChoice, snake


# Written out, not left to defaults: since Kafka 4.0 the Java client waits 5 ms to fill a batch,
# which a lab's sparse events only pay for in latency; Logstash's own default is to send at once.
PRODUCER_BATCHING = {"linger_ms": 0, "batch_size": 16384}


@dataclass(frozen=True)
class Built:
    role: str
    pipeline: Pipeline
    secrets: Mapping[str, Secret]
    install: tuple[str, ...]

    def text(self) -> str:
        """The config file's text, parsed back and compared with `pipeline`; PipelineMismatch otherwise."""
        return verify.rendered(self.role, self.pipeline)


def producer(source: PluginChoice, bootstrap: str, topic: str, acks: str, compression: str) -> Built:
    options, secrets = _with_refs("SOURCE", source)
    piece = SOURCES[source.type].render(options)
    kafka = Plugin("kafka", {
        "bootstrap_servers": bootstrap,
        "topic_id": topic,
        "codec": Plugin("json"),
        "acks": acks,
        "compression_type": compression,
        **PRODUCER_BATCHING,
        "client_id": "kafka-pipeline-producer",
    })
    return Built("producer", Pipeline(inputs=piece.blocks, filters=piece.filters, outputs=(kafka,)), secrets, piece.install)


def consumer(sink: PluginChoice, bootstrap: str, topics: tuple[str, ...], group_id: str, auto_offset_reset: str,
             partitions: int) -> Built:
    """`partitions`: how many partitions the topics have together; one thread each, more would idle."""
    options, secrets = _with_refs("SINK", sink)
    piece = SINKS[sink.type].render(options)
    kafka = Plugin("kafka", {
        "bootstrap_servers": bootstrap,
        "topics": list(topics),
        "group_id": group_id,
        "client_id": "kafka-pipeline-consumer",
        "auto_offset_reset": auto_offset_reset,
        "consumer_threads": max(1, partitions),
        "decorate_events": "basic",
        "codec": Plugin("json"),
    })
    return Built("consumer", Pipeline(inputs=(kafka,), filters=piece.filters, outputs=piece.blocks), secrets, piece.install)


def _with_refs(prefix: str, choice: PluginChoice) -> tuple[dict[str, Any], dict[str, Secret]]:
    """Secret option values leave the options as `${PREFIX_OPTION}` references."""
    options: dict[str, Any] = {}
    secrets: dict[str, Secret] = {}
    for key, value in choice.options.items():
        if isinstance(value, Secret):
            name = f"{prefix}_{snake(key).upper()}"
            secrets[name] = value
            options[key] = Ref(name)
        else:
            options[key] = value
    return options, secrets
