"""Stack configuration -> frozen, validated settings. The only module that reads pulumi.Config.

`parse()` is pure (raw dicts in, settings out) so tests and tools use it without Pulumi;
`load()` gathers the raw values from the stack and turns a refusal into one clean Pulumi error.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components import checks, oses, releases
from components.errors import ConfigError
from components.logstash.options import validate as validate_options
from components.logstash.plugin import LogstashPlugin
from components.logstash.sinks import SINKS
from components.logstash.sources import SOURCES

PROJECT = "kafka-pipeline"
TOP_KEYS = ("platform", "os", "sshCidrs", "ttlHours", "students", "kafka", "logstash", "producer", "consumer",
            "sshPublicKey", "local")
KAFKA_KEYS = ("version", "mode", "brokers", "instanceType", "topics", "downloadUrl", "sha512", "heapMb")
LOGSTASH_KEYS = ("version", "downloadUrl", "sha512", "heapMb")
LOCAL_KEYS = ("subnet",)
PLATFORMS = ("aws", "local")
PRODUCER_KEYS = ("instanceType", "topic", "source", "acks", "compression")
CONSUMER_KEYS = ("instanceType", "topics", "groupId", "sink", "autoOffsetReset")
TOPIC_KEYS = ("name", "partitions", "replicationFactor")

# replicationFactor left out so it follows kafka.brokers (1, or 3 for a cluster)
DEFAULT_TOPICS = [{"name": "twitter", "partitions": 1}]
# t4g (Graviton) is ~20% cheaper than t3 for the same memory; 2 GiB holds Logstash's 1 GiB heap.
DEFAULT_LOGSTASH_INSTANCE = "t4g.small"
DEFAULT_KAFKA_INSTANCE = "t3.medium"


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    replication_factor: int


@dataclass(frozen=True)
class PluginChoice:
    """A source or sink: its registry `type` and validated options (secrets as `Secret`)."""

    type: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class KafkaSettings:
    version: str
    mode: str
    brokers: int
    instance_type: str
    topics: tuple[Topic, ...]
    download_url: str
    # A mirror serving another build of the release: its SHA-512 replaces the pinned one.
    sha512: str | None
    heap_mb: int | None


@dataclass(frozen=True)
class LogstashSettings:
    version: str
    download_url: str
    # Set: the tarball is checked against it instead of Elastic's signature.
    sha512: str | None
    heap_mb: int | None


@dataclass(frozen=True)
class ProducerSettings:
    instance_type: str
    topic: str
    source: PluginChoice
    acks: str
    compression: str


@dataclass(frozen=True)
class ConsumerSettings:
    instance_type: str
    topics: tuple[str, ...]
    group_id: str
    sink: PluginChoice
    auto_offset_reset: str


@dataclass(frozen=True)
class LocalSettings:
    """The local platform's private network: one bridge per stack, hosts on its subnet."""

    subnet: str
    bridge: str

    @property
    def gateway(self) -> str:
        """The bridge's own address: the hosts' gateway, apt proxy and (in tests) mirror."""
        return str(next(ipaddress.ip_network(self.subnet).hosts()))


@dataclass(frozen=True)
class Settings:
    project: str
    stack: str
    platform: str
    os: oses.OperatingSystem
    # None on the local platform, which needs no cloud region.
    region: str | None
    ssh_cidrs: tuple[str, ...]
    ttl_hours: float
    students: tuple[str, ...]
    kafka: KafkaSettings
    logstash: LogstashSettings
    producer: ProducerSettings
    consumer: ConsumerSettings
    ssh_public_key: str | None
    local: LocalSettings | None


def parse(raw: Mapping[str, Any], *, stack: str, region: Any,
          detect_ip: Callable[[], str] | None = None) -> Settings:
    """Validate raw stack config (the values under `kafka-pipeline:`) into Settings.

    `detect_ip` supplies the operator's public IP when `sshCidrs` is unset.
    """
    checks.mapping("", raw, TOP_KEYS)
    platform = checks.choice("platform", raw.get("platform", "aws"), PLATFORMS)
    system = _os(raw.get("os", oses.DEFAULT_OS), platform)
    if platform == "aws":
        region = checks.string("aws:region", region, checks.REGION,
                               "an AWS region such as ap-northeast-2 (pulumi config set aws:region ap-northeast-2)")
        ssh_cidrs = _ssh_cidrs(raw.get("sshCidrs"), detect_ip)
    else:
        # Local hosts sit on a private bridge of this machine: no region, and SSH comes from here.
        region = None
        ssh_cidrs = () if raw.get("sshCidrs") is None else _ssh_cidrs(raw["sshCidrs"], None)
    kafka = _kafka(raw.get("kafka"))
    topic_names = [t.name for t in kafka.topics]
    producer = _producer(raw.get("producer"), topic_names)
    students = _students(raw.get("students", []), topic_names)
    return Settings(
        project=PROJECT,
        stack=stack,
        platform=platform,
        os=system,
        region=region,
        ssh_cidrs=ssh_cidrs,
        ttl_hours=_ttl(raw.get("ttlHours", 4)),
        students=students,
        kafka=kafka,
        logstash=_logstash(raw.get("logstash")),
        producer=producer,
        consumer=_consumer(raw.get("consumer"), topic_names, producer),
        ssh_public_key=None if raw.get("sshPublicKey") is None else checks.string(
            "sshPublicKey", raw["sshPublicKey"], allowed="an OpenSSH public key line (ssh-ed25519 AAAA... or ssh-rsa AAAA...)"),
        local=_local(raw.get("local"), stack) if platform == "local" else None,
    )


# A shorter TTL would stop a host before its first deployment is done.
MIN_TTL_HOURS = 0.5


def _ttl(value: Any) -> float:
    hours = checks.number("ttlHours", value, 0, 24 * 365)
    if 0 < hours < MIN_TTL_HOURS:
        raise ConfigError("ttlHours", value, f"0 (never stop) or at least {MIN_TTL_HOURS:g}: the hosts would stop "
                                             "themselves before a deployment finishes")
    return hours


def _os(value: Any, platform: str) -> oses.OperatingSystem:
    system = oses.OPERATING_SYSTEMS[checks.choice("os", value, oses.OPERATING_SYSTEMS)]
    if platform == "local" and system.suite is None:
        bootable = [o.id for o in oses.OPERATING_SYSTEMS.values() if o.suite]
        raise ConfigError("os", value, f"the local platform boots {', '.join(bootable)} only")
    return system


def _local(value: Any, stack: str) -> LocalSettings:
    raw = checks.mapping("local", value, LOCAL_KEYS)
    digest = hashlib.sha256(stack.encode()).digest()
    # A /24 per stack, picked from the stack name, so two local stacks do not share a bridge.
    subnet = raw.get("subnet", f"10.214.{digest[0] % 250}.0/24")
    return LocalSettings(subnet=checks.private_subnet("local.subnet", subnet), bridge=f"kpb-{digest.hex()[:8]}")


def _ssh_cidrs(value: Any, detect_ip: Callable[[], str] | None) -> tuple[str, ...]:
    if value is None:
        if detect_ip is None:
            raise ConfigError("sshCidrs", None, "required: the CIDRs allowed to reach SSH, e.g. "
                              "pulumi config set --path 'sshCidrs[0]' 203.0.113.7/32")
        return (checks.cidr("sshCidrs (detected)", f"{detect_ip()}/32"),)
    if not isinstance(value, list) or not value:
        raise ConfigError("sshCidrs", value, "expected a non-empty list of CIDRs such as [\"203.0.113.7/32\"]")
    return tuple(checks.cidr(f"sshCidrs[{i}]", v) for i, v in enumerate(value))


def _kafka(value: Any) -> KafkaSettings:
    raw = checks.mapping("kafka", value, KAFKA_KEYS)
    version = checks.choice("kafka.version", raw.get("version", releases.DEFAULT_KAFKA), releases.KAFKA)
    mode = checks.choice("kafka.mode", raw.get("mode", "kraft"), ("kraft", "zookeeper"))
    supported = releases.KAFKA[version].modes
    if mode not in supported:
        allowed = [v for v, r in releases.KAFKA.items() if mode in r.modes]
        raise ConfigError("kafka.mode", mode, f"Kafka {version} supports {', '.join(supported)}; "
                          f"{mode} needs one of the releases {', '.join(allowed)}")
    brokers = checks.choice("kafka.brokers", raw.get("brokers", 1), (1, 3))
    if brokers == 3 and mode != "kraft":
        raise ConfigError("kafka.brokers", brokers, "a 3-broker cluster is offered in kraft mode only")
    topics = _topics(raw.get("topics", DEFAULT_TOPICS), brokers)
    return KafkaSettings(
        version=version,
        mode=mode,
        brokers=brokers,
        instance_type=_instance_type("kafka.instanceType", raw.get("instanceType", DEFAULT_KAFKA_INSTANCE)),
        topics=topics,
        download_url=checks.url("kafka.downloadUrl", raw.get("downloadUrl", releases.KAFKA_ARCHIVE)),
        sha512=_sha512("kafka.sha512", raw.get("sha512")),
        heap_mb=None if raw.get("heapMb") is None else checks.integer("kafka.heapMb", raw["heapMb"], 256, 65536),
    )


def _topics(value: Any, brokers: int) -> tuple[Topic, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError("kafka.topics", value, "expected a non-empty list of {name, partitions, replicationFactor}")
    topics = []
    for i, item in enumerate(value):
        path = f"kafka.topics[{i}]"
        entry = checks.mapping(path, item, TOPIC_KEYS)
        name = checks.string(f"{path}.name", entry.get("name"), checks.TOPIC,
                             "a Kafka topic name: 1-249 of letters, digits, '.', '_' and '-'")
        if name in (".", ".."):
            raise ConfigError(f"{path}.name", name, "'.' and '..' are not valid topic names")
        if name in (t.name for t in topics):
            raise ConfigError(f"{path}.name", name, "duplicate topic name; each topic must be unique")
        topics.append(Topic(
            name=name,
            partitions=checks.integer(f"{path}.partitions", entry.get("partitions", 1), 1, 1000),
            replication_factor=_replication(f"{path}.replicationFactor", entry.get("replicationFactor"), brokers),
        ))
    return tuple(topics)


def _replication(path: str, value: Any, brokers: int) -> int:
    if value is None:
        return brokers
    return checks.integer(path, value, 1, brokers)


def _instance_type(path: str, value: Any) -> str:
    return checks.string(path, value, checks.INSTANCE_TYPE, "an EC2 instance type such as t3.medium or t4g.small")


def _logstash(value: Any) -> LogstashSettings:
    raw = checks.mapping("logstash", value, LOGSTASH_KEYS)
    return LogstashSettings(
        version=checks.choice("logstash.version", raw.get("version", releases.DEFAULT_LOGSTASH), releases.LOGSTASH),
        download_url=checks.url("logstash.downloadUrl", raw.get("downloadUrl", releases.LOGSTASH_ARCHIVE)),
        sha512=_sha512("logstash.sha512", raw.get("sha512")),
        heap_mb=None if raw.get("heapMb") is None else checks.integer("logstash.heapMb", raw["heapMb"], 256, 32768),
    )


def _sha512(path: str, value: Any) -> str | None:
    if value is None:
        return None
    return checks.string(path, value, checks.SHA512, "128 hex digits: the SHA-512 of the archive the mirror serves").lower()


def _producer(value: Any, topic_names: list[str]) -> ProducerSettings:
    raw = checks.mapping("producer", value, PRODUCER_KEYS)
    topic = raw.get("topic", topic_names[0])
    checks.choice("producer.topic", topic, topic_names)
    return ProducerSettings(
        instance_type=_instance_type("producer.instanceType", raw.get("instanceType", DEFAULT_LOGSTASH_INSTANCE)),
        topic=topic,
        source=_plugin("producer.source", raw.get("source", {"type": "generator"}), SOURCES),
        acks=str(checks.choice("producer.acks", str(raw.get("acks", "all")), ("0", "1", "all"))),
        compression=checks.choice("producer.compression", raw.get("compression", "lz4"),
                                  ("none", "gzip", "snappy", "lz4", "zstd")),
    )


def _consumer(value: Any, topic_names: list[str], producer: ProducerSettings) -> ConsumerSettings:
    raw = checks.mapping("consumer", value, CONSUMER_KEYS)
    topics = raw.get("topics", [producer.topic])
    checks.string_list("consumer.topics", topics, checks.TOPIC, "topic names", min_items=1)
    for i, name in enumerate(topics):
        checks.choice(f"consumer.topics[{i}]", name, topic_names)
    return ConsumerSettings(
        instance_type=_instance_type("consumer.instanceType", raw.get("instanceType", producer.instance_type)),
        topics=tuple(topics),
        group_id=checks.string("consumer.groupId", raw.get("groupId", "logstash"), checks.GROUP_ID,
                               "a consumer group id: letters, digits, '.', '_' and '-'"),
        sink=_plugin("consumer.sink", raw.get("sink", {"type": "stdout"}), SINKS),
        auto_offset_reset=checks.choice("consumer.autoOffsetReset", raw.get("autoOffsetReset", "earliest"),
                                        ("earliest", "latest")),
    )


def _plugin(path: str, value: Any, registry: Mapping[str, LogstashPlugin]) -> PluginChoice:
    if not isinstance(value, Mapping) or "type" not in value:
        raise ConfigError(path, value, f"expected an object with a type: one of {', '.join(registry)}")
    kind = checks.choice(f"{path}.type", value["type"], registry)
    options = validate_options(path, value, registry[kind].OPTIONS)
    # A plugin may check options that depend on each other.
    if hasattr(registry[kind], "check"):
        registry[kind].check(path, options)
    return PluginChoice(type=kind, options=options)


def _students(value: Any, topic_names: list[str]) -> tuple[str, ...]:
    students = checks.string_list("students", value, checks.NAME,
                                  "names of lowercase letters, digits and '-' (at most 32, not starting or ending with '-')")
    for i, name in enumerate(students):
        for topic in topic_names:
            if len(f"{topic}-{name}") > 249:
                raise ConfigError(f"students[{i}]", name, f"the student topic {topic}-{name} would exceed 249 characters")
    return students


def student_topic(topic: str, student: str) -> str:
    return f"{topic}-{student}"


def all_topics(settings: Settings) -> tuple[Topic, ...]:
    """The configured topics plus, in class mode, one `<producer topic>-<student>` per student,
    shaped like the producer's topic."""
    base = next(t for t in settings.kafka.topics if t.name == settings.producer.topic)
    return settings.kafka.topics + tuple(
        Topic(student_topic(base.name, s), base.partitions, base.replication_factor) for s in settings.students)


def placement(student: str | None) -> int:
    """A stable number per student (0 without one) that spreads pipelines over zones."""
    return zlib.crc32(student.encode()) if student else 0


def partitions_key(settings: Settings, topic: str) -> str:
    """The config key that sets a topic's partitions (a student's topic follows the producer's)."""
    names = [t.name for t in settings.kafka.topics]
    index = names.index(topic) if topic in names else names.index(settings.producer.topic)
    return f"kafka.topics[{index}].partitions"


# ---- reading the stack (the only Pulumi-aware part) ----

def load(detect_ip: Callable[[], str] | None = None) -> Settings:
    import pulumi
    from pulumi.runtime.config import CONFIG, get_config, get_config_env

    prefix = f"{PROJECT}:"
    # Every key set on the stack, so a misspelt one is refused rather than silently ignored.
    full_keys = {*get_config_env(), *CONFIG.get()}
    raw = {k[len(prefix):]: _decode(get_config(k)) for k in sorted(full_keys) if k.startswith(prefix)}
    try:
        return parse(raw, stack=pulumi.get_stack(), region=pulumi.Config("aws").get("region"), detect_ip=detect_ip)
    except ConfigError as error:
        raise pulumi.RunError(f"{error}\nNothing was created. Fix the value with `scripts/pulumi.sh config set` "
                              f"(every key: docs/CONFIG.md) and run again.") from None


def _decode(text: str) -> Any:
    """Objects and lists arrive as JSON; plain strings stay strings."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
