"""Pinned releases: the versions a user may choose and the checksums that prove a download.

Kafka SHA-512s are Apache's published `.sha512` digests of kafka_<scala>-<version>.tgz, as recorded
by strimzi's kafka-versions.yaml (4.3.1 also cross-checked against several independent pins).
No trusted pinned digest of the Logstash tarballs could be had when they were added, so those are
verified at deploy time against Elastic's signature, made with the key whose fingerprint is pinned here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KafkaRelease:
    sha512: str
    modes: tuple[str, ...]
    scala: str = "2.13"


@dataclass(frozen=True)
class LogstashRelease:
    # arch (x86_64 | aarch64) -> SHA-512 of the tarball; empty: verify the published signature
    sha512: dict[str, str]


KAFKA_ARCHIVE = "https://archive.apache.org/dist/kafka"
LOGSTASH_ARCHIVE = "https://artifacts.elastic.co/downloads/logstash"

KAFKA: dict[str, KafkaRelease] = {
    "4.3.1": KafkaRelease(
        "c7d7b2318cb51aa0c61d3246a51c349210073c5c9b754947ef965a439f2f939e8600f204e134a75ac31faf3829c9370960ef7c6a9886c8a1dbf0339a21f4c54c",
        ("kraft",)),
    "4.1.1": KafkaRelease(
        "eb2433e5330e4915a777fcc47447780e81a5041aacf0f787e5b5d06d767da7d484afb9f2ca8651e61769f2256f36967f6481baf17429b289bc2b1e6962640deb",
        ("kraft",)),
    "3.9.1": KafkaRelease(
        "1ea204ba73411737a275429ca976d440f007ff0957b90b19be41dc5a4bae52617267769be9f0b5791714d0b3c4c760605bd426faea39edd90763585523fa2cfe",
        ("kraft", "zookeeper")),
    # The tutorial's own release, kept so its ZooKeeper set-up stays reproducible.
    "3.0.0": KafkaRelease(
        "86cdeb04af123399858d03431e9777948c1c40ec0d843966cf9bd90b8235b47ebbb5cb96d1f0660710b9286da86bbb5ee65e21e757606f5a1e67f970ae5cf57c",
        ("zookeeper",)),
}
DEFAULT_KAFKA = "4.3.1"
# The release `kafka.mode: zookeeper` suggests in its error message and our tests run.
ZOOKEEPER_KAFKA = "3.9.1"
# The release the rehearsal deploys first and then upgrades to DEFAULT_KAFKA (KRaft metadata
# moves forward only: a lab upgrades, never downgrades).
UPGRADE_FROM_KAFKA = "4.1.1"

# Newest 9.x and 8.x releases confirmed (Docker official image tags, 2026-09), and 9.2.8: the
# release whose OSS build (from elastic/logstash tag v9.2.8) the rehearsal runs where Elastic's
# downloads are out of reach.
LOGSTASH: dict[str, LogstashRelease] = {
    "9.5.3": LogstashRelease({}),
    "9.2.8": LogstashRelease({}),
    "8.19.22": LogstashRelease({}),
}
DEFAULT_LOGSTASH = "9.5.3"
UPGRADE_FROM_LOGSTASH = "8.19.22"


def kafka_archive(version: str, base_url: str = KAFKA_ARCHIVE) -> str:
    release = KAFKA[version]
    return f"{base_url}/{version}/kafka_{release.scala}-{version}.tgz"


def logstash_archive(version: str, arch: str, base_url: str = LOGSTASH_ARCHIVE) -> str:
    return f"{base_url}/logstash-{version}-linux-{logstash_arch(arch)}.tar.gz"


def logstash_arch(arch: str) -> str:
    """EC2 says arm64, Elastic's archives say aarch64."""
    return "aarch64" if arch == "arm64" else "x86_64"


def comparable(version: str) -> bool:
    return all(part.isdigit() for part in version.split("."))


def order(version: str) -> tuple[int, ...]:
    """A release's place in time: 4.10.0 comes after 4.9.1."""
    return tuple(int(part) for part in version.split("."))
