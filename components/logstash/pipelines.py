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
class KafkaLogin:
    """How a pipeline's Kafka client logs in over SASL_SSL: its login and mechanism, the queue's CA
    certificate on the host (PEM; "" trusts the JVM's CAs) and, for the producer, where its JAAS
    file goes."""

    user: str
    password: Secret
    mechanism: str
    truststore: str
    jaas_path: str


# The environment variable holding a login's JAAS line, in the root-only secrets file.
JAAS_SECRET = "KAFKA_SASL_JAAS_CONFIG"
SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"
PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule"


def jaas_line(login: KafkaLogin) -> Secret:
    module = PLAIN_LOGIN_MODULE if login.mechanism == "PLAIN" else SCRAM_LOGIN_MODULE
    return Secret(f'{module} required username="{login.user}" password="{login.password.value}";')


def login_options(role: str, login: KafkaLogin | None) -> tuple[dict[str, Any], dict[str, Secret]]:
    """The kafka plugin's options for the login, as logstash-integration-kafka 11.8.7 declares
    them. The input takes its JAAS line from the environment (`sasl_jaas_config`); the output's
    `sasl_jaas_config` fails in 11.8.7 (it calls .value on a plain string; fixed in 11.8.8), so it
    reads a root:logstash JAAS file (`jaas_path`) that the pipeline stage writes from the same
    secret. jaas_path is JVM-wide, which one producer pipeline per Logstash can afford."""
    if login is None:
        return {}, {}
    options: dict[str, Any] = {"security_protocol": "SASL_SSL", "sasl_mechanism": login.mechanism}
    if login.truststore:
        # Without one, the JVM's own CAs: what a hosted Kafka's certificates are signed by.
        options.update(ssl_truststore_type="PEM", ssl_truststore_location=login.truststore)
    if role == "producer":
        options["jaas_path"] = login.jaas_path
    else:
        options["sasl_jaas_config"] = Ref(JAAS_SECRET)
    return options, {JAAS_SECRET: jaas_line(login)}


@dataclass(frozen=True)
class Built:
    role: str
    pipeline: Pipeline
    secrets: Mapping[str, Secret]
    install: tuple[str, ...]

    def text(self) -> str:
        """The config file's text, parsed back and compared with `pipeline`; PipelineMismatch otherwise."""
        return verify.rendered(self.role, self.pipeline)


def producer(source: PluginChoice, bootstrap: str, topic: str, acks: str, compression: str,
             login: KafkaLogin | None = None) -> Built:
    options, secrets = _with_refs("SOURCE", source)
    piece = SOURCES[source.type].render(options)
    logged_in, login_secrets = login_options("producer", login)
    kafka = Plugin("kafka", {
        "bootstrap_servers": bootstrap,
        "topic_id": topic,
        "codec": Plugin("json"),
        "acks": acks,
        "compression_type": compression,
        **PRODUCER_BATCHING,
        "client_id": "kafka-pipeline-producer",
        **logged_in,
    })
    return Built("producer", Pipeline(inputs=piece.blocks, filters=piece.filters, outputs=(kafka,)),
                 {**secrets, **login_secrets}, piece.install)


def consumer(sink: PluginChoice, bootstrap: str, topics: tuple[str, ...], group_id: str, auto_offset_reset: str,
             partitions: int, login: KafkaLogin | None = None) -> Built:
    """`partitions`: how many partitions the topics have together; one thread each, more would idle."""
    options, secrets = _with_refs("SINK", sink)
    piece = SINKS[sink.type].render(options)
    logged_in, login_secrets = login_options("consumer", login)
    kafka = Plugin("kafka", {
        "bootstrap_servers": bootstrap,
        "topics": list(topics),
        "group_id": group_id,
        "client_id": "kafka-pipeline-consumer",
        "auto_offset_reset": auto_offset_reset,
        "consumer_threads": max(1, partitions),
        "decorate_events": "basic",
        "codec": Plugin("json"),
        **logged_in,
    })
    return Built("consumer", Pipeline(inputs=(kafka,), filters=piece.filters, outputs=piece.blocks),
                 {**secrets, **login_secrets}, piece.install)


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
