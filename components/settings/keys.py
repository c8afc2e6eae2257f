"""Every key of the stack's configuration, declared once: how it is checked on its own, its default
and what it means. Unknown keys, defaults and the documented key list (docs/CONFIG.md, checked by
a test) follow from here; checks that need other keys are in parse.py (check None here)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components import checks, oses, releases
from components.errors import ConfigError, Secret
from components.schema import Option
from components.settings.model import Credentials

# Graviton (t4g) costs ~20% less than t3 for the same memory. Three 2 GiB hosts: the broker (a
# 512 MiB heap, the rest page cache and the OS) and two Logstash hosts (heap, the config check's JVM,
# the OS). With everything billed by the hour counted on both sides (instances, public IPv4
# addresses, root volumes), the dev stack costs under half the tutorial's three t2.medium
# (tests/bench/prices.py); the README gives the figures and what each host leaves as headroom.
DEFAULT_LOGSTASH_INSTANCE = "t4g.small"
DEFAULT_KAFKA_INSTANCE = "t4g.small"
# replicationFactor left out so it follows kafka.brokers (1, or 3 for a cluster)
DEFAULT_TOPICS = [{"name": "twitter", "partitions": 1}]
TOPIC_KEYS = ("name", "partitions", "replicationFactor")
# Who may talk to our brokers (stages/kafka_listeners renders each).
KAFKA_SECURITY = ("plaintext", "sasl_ssl")
# Amazon MSK (kafka.provider msk): the Kafka versions MSK offers for provisioned Standard brokers
# (docs.aws.amazon.com/msk/latest/developerguide/supported-kafka-versions.html; 4.x in KRaft form
# only, as the MSK API names it), 3.8.x the one AWS marks recommended; the cheapest broker size,
# for a lab. One broker per zone, in 2 or 3 zones (MSK's own minimum is two).
MSK_VERSIONS = ("3.8.x", "3.9.x", "4.0.x.kraft", "4.1.x.kraft")
DEFAULT_MSK_INSTANCE = "kafka.t3.small"
MSK_INSTANCE = re.compile(r"^kafka\.[a-z0-9]+\.[a-z0-9]+$")
# How clients log in over sasl_ssl: our brokers take the first; a Kafka the user runs, any of them.
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
LOGIN_KEYS = ("username", "password")
# Both end up inside a JAAS line's double quotes, where a quote or a backslash would need escaping.
JAAS_VALUE = re.compile(r'^[^"\\\s]{1,255}$')
PEM_CERTIFICATE = re.compile(r"^\s*(-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*)+$")
# A shorter TTL would stop a host before its first deployment is done.
MIN_TTL_HOURS = 0.5


def _ttl(path: str, value: Any) -> float:
    hours = checks.number(path, value, 0, 24 * 365)
    if 0 < hours < MIN_TTL_HOURS:
        raise ConfigError(path, value, f"0 (never stop) or at least {MIN_TTL_HOURS:g}: the hosts would stop "
                                       "themselves before a deployment finishes")
    return hours


def _instance_type(path: str, value: Any) -> str:
    return checks.string(path, value, checks.INSTANCE_TYPE, "an EC2 instance type such as t3.medium or t4g.small")


def _sha512(path: str, value: Any) -> str:
    return checks.string(path, value, checks.SHA512, "128 hex digits: the SHA-512 of the archive the mirror serves").lower()


def _students(path: str, value: Any) -> tuple[str, ...]:
    return checks.string_list(path, value, checks.NAME,
                              "names of lowercase letters, digits and '-' (at most 32, not starting or ending with '-')")


def _public_key(path: str, value: Any) -> str:
    return checks.string(path, value, checks.PUBLIC_KEY,
                         "an OpenSSH public key line (ssh-ed25519 AAAA... or ssh-rsa AAAA...)")


def _logins(path: str, value: Any) -> tuple[tuple[str, Credentials], ...]:
    """{<login name>: {username, password}}; the username defaults to the login name."""
    if not isinstance(value, Mapping) or not value:
        raise ConfigError(path, Secret(str(value)), "expected logins by pipeline, e.g. pulumi config set --secret "
                                                    "--path kafka.logins.producer.password ...")
    found = []
    for name, login in value.items():
        where = f"{path}.{name}"
        if not isinstance(login, Mapping):
            raise ConfigError(where, Secret(str(login)), "expected {username, password}")
        for unknown in set(login) - set(LOGIN_KEYS):
            # Perhaps a misspelt password: its value is never printed.
            raise ConfigError(f"{where}.{unknown}", Secret(str(login[unknown])), "unknown key; allowed: username, password")
        username = checks.string(f"{where}.username", login.get("username", name), JAAS_VALUE,
                                 "a user name without spaces, double quotes or backslashes")
        password = checks.secret_string(f"{where}.password", login.get("password"))
        if not JAAS_VALUE.match(password.value):
            raise ConfigError(f"{where}.password", password, "a password without spaces, double quotes or backslashes "
                                                             "(a JAAS line carries it inside double quotes)")
        found.append((name, Credentials(username, password)))
    return tuple(found)


def _pem_certificate(path: str, value: Any) -> str:
    return checks.string(path, value, PEM_CERTIFICATE, "one or more PEM certificates (-----BEGIN CERTIFICATE-----"
                                                       " ...), e.g. pulumi config set --path kafka.caCertificate -- "
                                                       "\"$(cat ca.pem)\"")


def _choice(*allowed: Any) -> Any:
    return lambda path, value: checks.choice(path, value, allowed)


def _whole(low: int, high: int) -> Any:
    return lambda path, value: checks.integer(path, value, low, high)


def key(check: Any, default: Any, doc: str) -> Option:
    return Option(check, default, doc=doc)


KEYS: dict[str, Any] = {
    "platform": key(None, "aws", "where hosts come from: EC2, or systemd-nspawn machines here"),
    "os": key(None, oses.DEFAULT_OS, "the hosts' operating system"),
    "sshCidrs": key(None, None, "who may reach SSH; default: your public IP as /32"),
    "ttlHours": key(_ttl, 4, "hours up after which every host stops itself; 0 = never"),
    "students": key(_students, (), "class mode: one pipeline and topic per student"),
    "sshPublicKey": key(_public_key, None, "your own SSH public key (SSH then uses your ssh-agent)"),
    "kafka": {
        "version": key(_choice(*releases.KAFKA), releases.DEFAULT_KAFKA, "Apache Kafka release"),
        "mode": key(_choice("kraft", "zookeeper"), "kraft", "metadata mode"),
        "brokers": key(_choice(1, 3), 1, "one broker or a 3-node KRaft quorum"),
        "instanceType": key(_instance_type, DEFAULT_KAFKA_INSTANCE, "broker size"),
        "topics": key(None, DEFAULT_TOPICS, "topics: name, partitions, replicationFactor"),
        "downloadUrl": key(checks.url, releases.KAFKA_ARCHIVE, "base URL of a mirror of the release archives"),
        "sha512": key(_sha512, None, "SHA-512 of a mirror's other build (replaces the pinned one)"),
        "heapMb": key(_whole(256, 65536), None, "broker JVM heap"),
        "provider": key(None, "ours", "where the queue runs: ours (KafkaServer hosts), msk (an Amazon MSK cluster the "
                                     "stack creates) or existing (a Kafka you run)"),
        "bootstrapServers": key(checks.servers, None, "an existing Kafka's bootstrap servers, host:port each"),
        "security": key(_choice(*KAFKA_SECURITY), None,
                        "sasl_ssl (TLS, a SCRAM login per producer and consumer, each fenced to its own topic and "
                        "group; the default for our KRaft brokers) or plaintext (the tutorial's: anyone in the "
                        "security group may do anything; the default in ZooKeeper mode and for an existing Kafka)"),
        "saslMechanism": key(_choice(*SASL_MECHANISMS), SASL_MECHANISMS[0],
                             "an existing Kafka's SASL mechanism with sasl_ssl (our brokers take SCRAM-SHA-512)"),
        "logins": key(_logins, (), "an existing Kafka's logins with sasl_ssl, by pipeline (producer, consumer; "
                                   "producer-<student>, consumer-<student> in a class): {username, password (secret)}"),
        "caCertificate": key(_pem_certificate, None, "the CA (PEM) that signed an existing Kafka's certificates; unset: "
                                                     "the CAs the JVM trusts, as for MSK and most hosted Kafkas"),
        "msk": {
            "version": key(_choice(*MSK_VERSIONS), MSK_VERSIONS[0], "the Kafka version of an Amazon MSK cluster"),
            "instanceType": key(lambda p, v: checks.string(p, v, MSK_INSTANCE, "an MSK broker type such as "
                                                           "kafka.t3.small or kafka.m7g.large"),
                                DEFAULT_MSK_INSTANCE, "MSK broker size"),
            "brokers": key(_choice(2, 3), 2, "MSK brokers, one per availability zone"),
            "volumeGb": key(_whole(1, 16384), 10, "each MSK broker's storage"),
        },
    },
    "logstash": {
        "version": key(_choice(*releases.LOGSTASH), releases.DEFAULT_LOGSTASH, "Logstash release"),
        "downloadUrl": key(checks.url, releases.LOGSTASH_ARCHIVE, "base URL of a mirror of the Logstash archives"),
        "sha512": key(_sha512, None, "SHA-512 of a mirror's other build (replaces the signature check)"),
        "heapMb": key(_whole(256, 32768), None, "Logstash JVM heap"),
    },
    "producer": {
        "instanceType": key(_instance_type, DEFAULT_LOGSTASH_INSTANCE, "producer size"),
        "topic": key(None, None, "where the producer writes; default: the first topic"),
        "source": key(None, {"type": "generator"}, "the Logstash input plugin and its options"),
        "acks": key(lambda p, v: str(checks.choice(p, str(v), ("0", "1", "all"))), "all", "Kafka acknowledgements"),
        "compression": key(_choice("none", "gzip", "snappy", "lz4", "zstd"), "lz4", "Kafka output compression"),
    },
    "consumer": {
        "instanceType": key(_instance_type, None, "consumer size; default: as the producer"),
        "topics": key(None, None, "what the consumer reads; default: the producer's topic"),
        "groupId": key(lambda p, v: checks.string(p, v, checks.GROUP_ID, "a consumer group id: letters, digits, "
                                                  "'.', '_' and '-'"), "logstash", "Kafka consumer group"),
        "sink": key(None, {"type": "stdout"}, "the Logstash output plugin and its options"),
        "autoOffsetReset": key(_choice("earliest", "latest"), "earliest", "where a new consumer group starts"),
    },
    "local": {
        "subnet": key(lambda p, v: checks.private_subnet(p, v), None, "the local platform's bridge subnet"),
    },
}


def read(path: str, value: Any, keys: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of `value` checked one by one against `keys`, defaults filled in; unknown ones refused."""
    raw = checks.mapping(path, value, keys)
    values: dict[str, Any] = {}
    for name, spec in keys.items():
        where = f"{path}.{name}" if path else name
        if isinstance(spec, Mapping):
            values[name] = read(where, raw.get(name), spec)
        elif raw.get(name) is not None:
            values[name] = spec.check(where, raw[name]) if spec.check else raw[name]
        else:
            values[name] = spec.default
    return values


def paths(keys: Mapping[str, Any] = KEYS, prefix: str = "") -> list[str]:
    """Every declared key as its config path (kafka.version, ...)."""
    found = []
    for name, spec in keys.items():
        where = f"{prefix}{name}"
        found += paths(spec, where + ".") if isinstance(spec, Mapping) else [where]
    return found
