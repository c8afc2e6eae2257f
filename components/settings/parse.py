"""Raw stack config -> Settings: each key checked on its own (keys.py), then the checks that need
several keys, then the frozen settings. Pure: raw dicts in, settings out.

Sources and sinks are checked against the plugin registries the caller hands in, so settings never
import the Logstash layer above them."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from components import checks, oses, releases
from components.errors import ConfigError, Secret
from components.schema import plugin_choice, snake
from components.settings import keys
from components.settings.model import (ConsumerSettings, KafkaSettings, LocalSettings, LogstashSettings,
                                       MskSettings, ProducerSettings, Settings, Topic)
from components.settings.naming import login_names

PROJECT = "kafka-pipeline"
Plugins = Mapping[str, Mapping[str, Any]]


def parse(raw: Mapping[str, Any], *, stack: str, region: Any, plugins: Plugins,
          detect_ip: Callable[[], str] | None = None) -> Settings:
    """Validate raw stack config (the values under `kafka-pipeline:`) into Settings.

    `plugins` maps each config path that chooses from a registry to it: platform (name -> platform),
    producer.source and consumer.sink (type -> plugin module);
    `detect_ip` supplies the operator's public IP when `sshCidrs` is unset on aws.
    """
    values = keys.read("", raw, keys.KEYS)
    platform = checks.choice("platform", values["platform"], plugins["platform"])
    system = _os(values["os"], platform)
    if platform == "aws":
        region = checks.string("aws:region", region, checks.REGION,
                               "an AWS region such as ap-northeast-2 (pulumi config set aws:region ap-northeast-2)")
        ssh_cidrs = _ssh_cidrs(values["sshCidrs"], detect_ip)
    else:
        # Local hosts sit on a private bridge of this machine: no region, and SSH comes from here.
        region = None
        ssh_cidrs = () if values["sshCidrs"] is None else _ssh_cidrs(values["sshCidrs"], None)
    kafka = _kafka(values["kafka"], plugins["kafka.provider"], raw.get("kafka") or {}, platform)
    names = [t.name for t in kafka.topics]
    producer = _producer(values["producer"], names, plugins)
    settings = Settings(
        project=PROJECT, stack=stack, platform=platform, os=system, region=region, ssh_cidrs=ssh_cidrs,
        ttl_hours=values["ttlHours"],
        students=_students(values["students"], names),
        kafka=kafka,
        logstash=_build(LogstashSettings, values["logstash"]),
        producer=producer,
        consumer=_consumer(values["consumer"], names, producer, plugins),
        ssh_public_key=values["sshPublicKey"],
        local=_local(values["local"], stack) if platform == "local" else None,
    )
    _existing_logins(settings)
    return settings


def _build(cls: type, values: Mapping[str, Any], **derived: Any) -> Any:
    """A settings object from checked values (camelCase keys), derived values replacing some."""
    return cls(**{**{snake(k): v for k, v in values.items()}, **derived})


def _os(value: Any, platform: str) -> oses.OperatingSystem:
    system = oses.OPERATING_SYSTEMS[checks.choice("os", value, oses.OPERATING_SYSTEMS)]
    if platform == "local" and system.suite is None:
        bootable = [o.id for o in oses.OPERATING_SYSTEMS.values() if o.suite]
        raise ConfigError("os", value, f"the local platform boots {', '.join(bootable)} only")
    return system


def _local(values: Mapping[str, Any], stack: str) -> LocalSettings:
    subnet = values["subnet"] or default_local_subnet(stack)
    return LocalSettings(subnet=subnet, bridge=f"kpb-{hashlib.sha256(stack.encode()).hexdigest()[:8]}")


def default_local_subnet(stack: str) -> str:
    """A /24 per stack, picked from the stack name, so two local stacks do not share a bridge
    (10.214.0-249.0/24: private, so no check needed)."""
    return f"10.214.{hashlib.sha256(stack.encode()).digest()[0] % 250}.0/24"


def _ssh_cidrs(value: Any, detect_ip: Callable[[], str] | None) -> tuple[str, ...]:
    if value is None:
        if detect_ip is None:
            raise ConfigError("sshCidrs", None, "required: the CIDRs allowed to reach SSH, e.g. "
                              "pulumi config set --path 'sshCidrs[0]' 203.0.113.7/32")
        return (checks.cidr("sshCidrs (detected)", f"{detect_ip()}/32"),)
    if not isinstance(value, list) or not value:
        raise ConfigError("sshCidrs", value, "expected a non-empty list of CIDRs such as [\"203.0.113.7/32\"]")
    return tuple(checks.cidr(f"sshCidrs[{i}]", v) for i, v in enumerate(value))


# The queue provider whose brokers the stack creates (KafkaServer), and what only they take: set
# with another provider, it would silently do nothing.
OWN_BROKERS = "ours"
MSK = "msk"
OWN_BROKER_KEYS = ("version", "mode", "brokers", "instanceType", "downloadUrl", "sha512", "heapMb")
# How the pipelines log in to a Kafka the user runs: with our brokers (or plaintext) they would
# silently do nothing.
EXISTING_LOGIN_KEYS = ("logins", "saslMechanism", "caCertificate")


def _kafka(values: Mapping[str, Any], providers: Mapping[str, Any], raw: Mapping[str, Any],
           platform: str) -> KafkaSettings:
    provider = checks.choice("kafka.provider", values["provider"], providers)
    if "msk" in raw and provider != MSK:
        raise ConfigError("kafka.msk", raw["msk"], f"only with kafka.provider msk (this stack's provider is "
                                                   f"{provider}): remove it, or set kafka.provider msk")
    if provider == MSK:
        return _msk(values, raw, platform)
    if provider == "existing":
        if values["bootstrapServers"] is None:
            raise ConfigError("kafka.bootstrapServers", None, "required with kafka.provider existing: your Kafka's "
                              "bootstrap servers, e.g. pulumi config set --path 'kafka.bootstrapServers[0]' "
                              "kafka-1.example.org:9092")
        ours = [k for k in OWN_BROKER_KEYS if k in raw]
        if ours:
            raise ConfigError(f"kafka.{ours[0]}", raw[ours[0]], "applies to our own brokers only; with kafka.provider "
                              "existing the stack creates no broker: remove it")
        topics = raw.get("topics")
        for i, topic in enumerate(topics if isinstance(topics, list) else []):
            if isinstance(topic, Mapping) and "replicationFactor" in topic:
                raise ConfigError(f"kafka.topics[{i}].replicationFactor", topic["replicationFactor"],
                                  "applies to topics our brokers create; with kafka.provider existing your topics "
                                  "exist already: remove it")
        if values["security"] != "sasl_ssl":
            for given in (k for k in EXISTING_LOGIN_KEYS if k in raw):
                raise ConfigError(f"kafka.{given}", _shown(given, raw[given]),
                                  "applies with kafka.security sasl_ssl only: set it, or remove this key")
    else:
        if values["bootstrapServers"] is not None:
            raise ConfigError("kafka.bootstrapServers", list(values["bootstrapServers"]),
                              f"only with kafka.provider existing (this stack's provider is {provider}, whose brokers "
                              "it creates and knows): remove it, or set kafka.provider existing")
        for given in (k for k in EXISTING_LOGIN_KEYS if k in raw):
            raise ConfigError(f"kafka.{given}", _shown(given, raw[given]),
                              "applies to a Kafka you run (kafka.provider existing); our brokers make their own "
                              "logins (SCRAM-SHA-512) and certificates: remove it")
    version, mode, brokers = values["version"], values["mode"], values["brokers"]
    supported = releases.KAFKA[version].modes
    if mode not in supported:
        allowed = [v for v, r in releases.KAFKA.items() if mode in r.modes]
        raise ConfigError("kafka.mode", mode, f"Kafka {version} supports {', '.join(supported)}; "
                          f"{mode} needs one of the releases {', '.join(allowed)}")
    if brokers == 3 and mode != "kraft":
        raise ConfigError("kafka.brokers", brokers, "a 3-broker cluster is offered in kraft mode only")
    if values["security"] == "sasl_ssl" and mode != "kraft":
        raise ConfigError("kafka.security", "sasl_ssl", "offered in kraft mode only (the ZooKeeper mode keeps the "
                                                        "tutorial's plaintext): set kafka.security plaintext, or "
                                                        "kafka.mode kraft")
    return _build(KafkaSettings, {k: v for k, v in values.items() if k != "msk"},
                  topics=_topics(values["topics"], brokers), security=values["security"] or default_security(provider, mode))


def _msk(values: Mapping[str, Any], raw: Mapping[str, Any], platform: str) -> KafkaSettings:
    """Amazon MSK: an AWS service, SASL/SCRAM over TLS always (the logins live in Secrets Manager),
    the brokers' own keys refused as with any Kafka we do not run."""
    if platform != "aws":
        raise ConfigError("kafka.provider", MSK, f"Amazon MSK is an AWS service and this stack's platform is "
                                                 f"{platform}: use kafka.provider ours (the rehearsal of the "
                                                 "same pipeline) or platform aws")
    for given in [k for k in (*OWN_BROKER_KEYS, *EXISTING_LOGIN_KEYS, "bootstrapServers") if k in raw]:
        raise ConfigError(f"kafka.{given}", _shown(given, raw[given]),
                          "does not apply with kafka.provider msk (its settings are under kafka.msk): remove it")
    if values["security"] == "plaintext":
        raise ConfigError("kafka.security", "plaintext", "the MSK cluster takes SASL/SCRAM logins over TLS only: "
                                                         "remove it (sasl_ssl is the default)")
    msk = _build(MskSettings, values["msk"])
    return _build(KafkaSettings, {k: v for k, v in values.items() if k != "msk"},
                  topics=_topics(values["topics"], msk.brokers), security="sasl_ssl", msk=msk)


def _existing_logins(settings: Settings) -> None:
    """An existing Kafka with sasl_ssl: every pipeline's login given, and none that no pipeline uses."""
    kafka = settings.kafka
    if kafka.provider != "existing" or kafka.security != "sasl_ssl":
        return
    needed = login_names(settings)
    given = [name for name, _ in kafka.logins]
    for name in needed:
        if name not in given:
            raise ConfigError(f"kafka.logins.{name}", None, f"required with kafka.security sasl_ssl on an existing "
                              f"Kafka: every pipeline's login ({', '.join(needed)}), e.g. pulumi config set "
                              f"--path kafka.logins.{name}.username {name} and pulumi config set --secret --path "
                              f"kafka.logins.{name}.password ...")
    for name in given:
        if name not in needed:
            raise ConfigError(f"kafka.logins.{name}", Secret("..."), f"no pipeline of this stack logs in as {name} "
                              f"(its logins: {', '.join(needed)}): remove it")


def _shown(key: str, value: Any) -> Any:
    return Secret(str(value)) if key == "logins" else value


def default_security(provider: str, mode: str) -> str:
    """Secure where we can be: logins and TLS on our KRaft brokers; ZooKeeper mode keeps the tutorial's
    plaintext (SCRAM there needs ZooKeeper's own credentials, which we do not offer), and a Kafka the
    user runs is secured by them."""
    return "sasl_ssl" if provider == OWN_BROKERS and mode == "kraft" else "plaintext"


def refuse_downgrade(deployed: Any, chosen: str) -> None:
    """Kafka's metadata moves forward only: a cluster formatted or finalised by a newer release may
    not start on an older one, so a lower kafka.version than the stack runs is refused."""
    if not isinstance(deployed, str) or not releases.comparable(deployed):
        return  # never deployed, or deployed before the release was recorded
    if releases.order(chosen) < releases.order(deployed):
        raise ConfigError("kafka.version", chosen, f"{deployed} or later: this stack's brokers run Kafka {deployed}, "
                                                   "and Kafka's metadata moves forward only (upgrade, never downgrade). "
                                                   "To go back, destroy the stack and deploy it anew")


def _topics(value: Any, brokers: int) -> tuple[Topic, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError("kafka.topics", value, "expected a non-empty list of {name, partitions, replicationFactor}")
    topics: list[Topic] = []
    for i, item in enumerate(value):
        path = f"kafka.topics[{i}]"
        entry = checks.mapping(path, item, keys.TOPIC_KEYS)
        name = checks.string(f"{path}.name", entry.get("name"), checks.TOPIC,
                             "a Kafka topic name: 1-249 of letters, digits, '.', '_' and '-'")
        if name in (".", ".."):
            raise ConfigError(f"{path}.name", name, "'.' and '..' are not valid topic names")
        if name in (t.name for t in topics):
            raise ConfigError(f"{path}.name", name, "duplicate topic name; each topic must be unique")
        replication = entry.get("replicationFactor")
        topics.append(Topic(
            name=name,
            partitions=checks.integer(f"{path}.partitions", entry.get("partitions", 1), 1, 1000),
            replication_factor=brokers if replication is None else checks.integer(
                f"{path}.replicationFactor", replication, 1, brokers),
        ))
    return tuple(topics)


def _producer(values: Mapping[str, Any], topics: list[str], plugins: Plugins) -> ProducerSettings:
    topic = checks.choice("producer.topic", values["topic"] or topics[0], topics)
    return _build(ProducerSettings, values, topic=topic,
                  source=plugin_choice("producer.source", values["source"], plugins["producer.source"]))


def _consumer(values: Mapping[str, Any], topics: list[str], producer: ProducerSettings,
              plugins: Plugins) -> ConsumerSettings:
    wanted = values["topics"] if values["topics"] is not None else [producer.topic]
    checks.string_list("consumer.topics", wanted, checks.TOPIC, "topic names", min_items=1)
    for i, name in enumerate(wanted):
        checks.choice(f"consumer.topics[{i}]", name, topics)
    return _build(ConsumerSettings, values, instance_type=values["instanceType"] or producer.instance_type,
                  topics=tuple(wanted),
                  sink=plugin_choice("consumer.sink", values["sink"], plugins["consumer.sink"]))


def _students(students: tuple[str, ...], topics: list[str]) -> tuple[str, ...]:
    for i, name in enumerate(students):
        for topic in topics:
            if len(f"{topic}-{name}") > 249:
                raise ConfigError(f"students[{i}]", name, f"the student topic {topic}-{name} would exceed 249 characters")
    return tuple(students)
