"""The Kafka classpath for a release, resolved by Maven from tests/integration/pom.xml.

`classpath(version)` reads target/classpath-<version>.txt, running Maven once (jars land in
~/.m2) when it is missing. Only the releases the pom knows are offered: DEFAULT_KAFKA (the pom's
default), ZOOKEEPER_KAFKA (its `zookeeper` profile) and UPGRADE_FROM_KAFKA (`upgrade-from`).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
TARGET = HERE / "target"
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components import releases  # noqa: E402

MAIN_CLASSES = {
    "broker": "kafka.Kafka",
    "storage": "kafka.tools.StorageTool",
    "topics": "org.apache.kafka.tools.TopicCommand",
    "perf": "org.apache.kafka.tools.ProducerPerformance",
    "consumer-perf": "org.apache.kafka.tools.ConsumerPerformance",
    "zookeeper": "org.apache.zookeeper.server.quorum.QuorumPeerMain",
}


def pom_versions(text: str | None = None) -> dict[str, str]:
    """{'default': <kafka.version>, <profile id>: <that profile's kafka.version>, ...}."""
    text = POM.read_text() if text is None else text
    default = re.search(r"<properties>.*?<kafka\.version>([^<]+)</kafka\.version>", text, re.S)
    if not default:
        raise ValueError(f"{POM}: cannot find the default kafka.version")
    profiles = re.findall(r"<profile>\s*(?:<!--.*?-->\s*)?<id>([^<]+)</id>\s*<properties>\s*"
                          r"<kafka\.version>([^<]+)</kafka\.version>", text, re.S)
    return {"default": default.group(1), **dict(profiles)}


def maven_args(version: str) -> list[str]:
    versions = pom_versions()
    if version == versions["default"]:
        return []
    for profile, pinned in versions.items():
        if pinned == version and profile != "default":
            return ["-P", profile]
    raise ValueError(f"tests/integration/pom.xml offers Kafka {', '.join(sorted(set(versions.values())))}, not {version}")


def fetch_command(version: str) -> list[str]:
    return ["mvn", "-q", "-B", "-f", str(POM), *maven_args(version), "dependency:build-classpath"]


def classpath(version: str) -> str:
    path = TARGET / f"classpath-{version}.txt"
    if not path.exists():
        if not shutil.which("mvn"):
            raise RuntimeError(f"{path} is missing and Maven is not installed (apt-get install maven); "
                               f"fetch it with: {' '.join(fetch_command(version))}")
        result = subprocess.run(fetch_command(version), capture_output=True, text=True, timeout=900)
        if result.returncode != 0 or not path.exists():
            raise RuntimeError(f"Maven could not resolve Kafka {version}:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    cp = path.read_text().strip()
    missing = [j for j in cp.split(":") if not Path(j).exists()]
    if missing:
        raise RuntimeError(f"{path} names jars that are gone ({missing[0]} ...); delete it and fetch again")
    return cp


def default_versions() -> dict[str, str]:
    return {"kraft": releases.DEFAULT_KAFKA, "zookeeper": releases.ZOOKEEPER_KAFKA}
