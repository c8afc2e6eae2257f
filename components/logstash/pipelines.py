"""The producer's and consumer's pipelines, built as data from settings and the broker's address."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.errors import Secret
from components.logstash import verify
from components.logstash.lscl import Pipeline, Plugin, Ref
from components.logstash.options import snake
from components.logstash.sinks import SINKS
from components.logstash.sources import SOURCES
from components.settings import PluginChoice, Settings, all_topics


@dataclass(frozen=True)
class Built:
    role: str
    pipeline: Pipeline
    secrets: Mapping[str, Secret]
    install: tuple[str, ...]

    def text(self) -> str:
        """The config file's text, parsed back and compared with `pipeline`; PipelineMismatch otherwise."""
        return verify.rendered(self.role, self.pipeline)


def producer(settings: Settings, bootstrap: str, topic: str) -> Built:
    options, secrets = _with_refs("SOURCE", settings.producer.source)
    piece = SOURCES[settings.producer.source.type].render(options)
    kafka = Plugin("kafka", {
        "bootstrap_servers": bootstrap,
        "topic_id": topic,
        "codec": Plugin("json"),
        "acks": settings.producer.acks,
        "compression_type": settings.producer.compression,
        "client_id": "kafka-pipeline-producer",
    })
    return Built("producer", Pipeline(inputs=piece.blocks, filters=piece.filters, outputs=(kafka,)), secrets, piece.install)


def consumer(settings: Settings, bootstrap: str, topics: tuple[str, ...], group_id: str) -> Built:
    options, secrets = _with_refs("SINK", settings.consumer.sink)
    piece = SINKS[settings.consumer.sink.type].render(options)
    partitions = {t.name: t.partitions for t in all_topics(settings)}
    kafka = Plugin("kafka", {
        "bootstrap_servers": bootstrap,
        "topics": list(topics),
        "group_id": group_id,
        "client_id": "kafka-pipeline-consumer",
        "auto_offset_reset": settings.consumer.auto_offset_reset,
        # One thread per partition read; more would sit idle.
        "consumer_threads": max(1, sum(partitions.get(t, 1) for t in topics)),
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
