"""The validated, frozen settings a stack deploys: plain values, nothing left to check."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from components import oses
from components.errors import Secret
from components.schema import PluginChoice


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    replication_factor: int


@dataclass(frozen=True)
class Credentials:
    """A login to a Kafka the user runs: given in config, the password a Pulumi secret."""
    username: str
    password: Secret


@dataclass(frozen=True)
class MskSettings:
    version: str
    instance_type: str
    brokers: int
    volume_gb: int


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
    # Where the queue runs (a name in the queue registry) and, for a Kafka the user runs, its address.
    provider: str = "ours"
    bootstrap_servers: tuple[str, ...] | None = None
    # Who may talk to our brokers: plaintext or sasl_ssl (stages/kafka_listeners renders each).
    security: str = "plaintext"
    # sasl_ssl: how clients log in. Our brokers take SCRAM-SHA-512 and derive each login; a Kafka
    # the user runs is given its logins by pipeline login name (naming.login_name) and, when its
    # certificates are not signed by a CA the JVM trusts, its CA certificate (PEM).
    sasl_mechanism: str = "SCRAM-SHA-512"
    logins: tuple[tuple[str, Credentials], ...] = ()
    ca_certificate: str | None = None
    # kafka.provider msk: the cluster the stack creates.
    msk: MskSettings | None = None

    def given_login(self, name: str) -> Credentials | None:
        return dict(self.logins).get(name)


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
