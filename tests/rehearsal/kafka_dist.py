"""A Kafka distribution assembled from the pinned Maven jars, for hosts that cannot reach Apache.

`build(version, out_dir)` writes out_dir/<version>/kafka_<scala>-<version>.tgz, the layout
releases.kafka_archive expects under a base URL: one top-level folder with libs/ (the runtime jars
of tests/integration/jars.classpath), bin/ (our launchers from kafka_bin/, each tool's main class
filled in for the release), config/ (console logging) and a README saying what it is.

The archive is deterministic (sorted entries, fixed owner and times, gzip without a timestamp), so
its SHA-512 only changes with its inputs; a stamp beside it records them, and an unchanged build
is skipped.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from components import releases
from tests.integration import jars

LAUNCHERS = Path(__file__).resolve().parent / "kafka_bin"
PLACEHOLDER = "@MAIN_CLASS@"
# Every launcher's main class, newest location first: some tools moved between Kafka 3 and 4.
MAIN_CLASSES: dict[str, tuple[str, ...]] = {
    "kafka-server-start.sh": (jars.MAIN_CLASSES["broker"],),
    "kafka-storage.sh": (jars.MAIN_CLASSES["storage"],),
    "kafka-topics.sh": (jars.MAIN_CLASSES["topics"],),
    "kafka-console-producer.sh": ("org.apache.kafka.tools.ConsoleProducer", "kafka.tools.ConsoleProducer"),
    "kafka-console-consumer.sh": ("org.apache.kafka.tools.consumer.ConsoleConsumer",),
    "kafka-consumer-groups.sh": ("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",),
    "kafka-get-offsets.sh": ("org.apache.kafka.tools.GetOffsetShell",),
    "kafka-metadata-quorum.sh": ("org.apache.kafka.tools.MetadataQuorumCommand",),
    "kafka-configs.sh": ("org.apache.kafka.tools.ConfigCommand", "kafka.admin.ConfigCommand"),
    "kafka-acls.sh": ("org.apache.kafka.tools.AclCommand", "kafka.admin.AclCommand"),
    "kafka-broker-api-versions.sh": ("org.apache.kafka.tools.BrokerApiVersionsCommand",
                                     "kafka.admin.BrokerApiVersionsCommand"),
    "zookeeper-server-start.sh": (jars.MAIN_CLASSES["zookeeper"],),
}
# Launchers left out, rather than refused, when the release's jars lack their class.
OPTIONAL = frozenset({"zookeeper-server-start.sh"})

PATTERN = "[%d] %p %m (%c)%n"
LOG4J2 = f"""status = warn
appender.console.type = Console
appender.console.name = CONSOLE
appender.console.target = {{target}}
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = {PATTERN}
rootLogger.level = {{level}}
rootLogger.appenderRef.console.ref = CONSOLE
"""
LOG4J1 = f"""log4j.rootLogger={{level}}, console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.Target={{target}}
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern={PATTERN}
"""
# The logging binding a release's jars carry -> its config files. Servers log INFO to stdout (the
# journal, under systemd); tools log only warnings, to stderr, so their stdout stays their output.
LOGGING: dict[str, dict[str, str]] = {
    "log4j-core": {"log4j2.properties": LOG4J2.format(target="SYSTEM_OUT", level="INFO"),
                   "tools-log4j2.properties": LOG4J2.format(target="SYSTEM_ERR", level="WARN")},
    "reload4j": {"log4j.properties": LOG4J1.format(target="System.out", level="INFO"),
                 "tools-log4j.properties": LOG4J1.format(target="System.err", level="WARN")},
}

README = """Apache Kafka {version}: a TEST ASSEMBLY for the kafka-pipeline rehearsal, NOT an Apache release.

libs/    the runtime jars of Kafka {version} from Maven Central (tests/integration/pom.xml)
bin/     launchers written for this assembly, with the arguments and environment of Apache's
         bin/ scripts; they run in the foreground only (no -daemon)
config/  logging to the console: servers at INFO on stdout, tools' warnings on stderr
"""

# Every entry's mtime (2000-01-01): plainly synthetic, and the same on every build.
MTIME = 946684800
DIR_MODE, EXEC_MODE, FILE_MODE = 0o755, 0o755, 0o644


@dataclass(frozen=True)
class Entry:
    """One member of the archive: a folder, a jar copied from `source`, or a file holding `content`."""

    name: str
    mode: int
    source: Path | None = None
    content: bytes = b""
    folder: bool = False

    def identity(self) -> str:
        """What the stamp records: a jar by its path (Maven's cache never rewrites one), else the bytes."""
        return str(self.source) if self.source else hashlib.sha256(self.content).hexdigest()


def archive_path(version: str, out_dir: Path) -> Path:
    """Where releases.kafka_archive(version, base) points when `out_dir` is served at `base`."""
    return out_dir / releases.kafka_archive(version, "").lstrip("/")


def build(version: str, out_dir: Path) -> Path:
    """The distribution's archive, rebuilt only when its jars or launchers changed."""
    archive = archive_path(version, out_dir)
    entries = distribution(version, archive.name.removesuffix(".tgz"))
    stamp = archive.with_name(archive.name + ".stamp")
    digest = inputs_digest(entries)
    if archive.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return archive
    archive.parent.mkdir(parents=True, exist_ok=True)
    # Its own partial file: the rehearsals and the other tests run side by side (make test).
    partial = archive.with_name(f"{archive.name}.{os.getpid()}.part")
    write_archive(partial, entries)
    os.replace(partial, archive)
    stamp.write_text(digest + "\n")
    return archive


def distribution(version: str, top: str) -> list[Entry]:
    """Every entry of the archive, under the single folder `top`, sorted by name."""
    classpath = [Path(p) for p in jars.classpath(version).split(":")]
    names = [p.name for p in classpath]
    if len(set(names)) != len(names):
        raise ValueError(f"Kafka {version}: two jars share a file name; libs/ cannot hold both: {sorted(names)}")
    classes = classes_in(classpath)
    files = [Entry(f"libs/{p.name}", FILE_MODE, source=p) for p in classpath]
    files += [Entry(f"bin/{name}", mode, content=text.encode()) for name, (mode, text) in launchers(classes).items()]
    files += [Entry(f"config/{name}", FILE_MODE, content=text.encode())
              for name, text in logging_config(names).items()]
    files.append(Entry("README", FILE_MODE, content=README.format(version=version).encode()))
    folders = {str(p) for f in files for p in Path(top, f.name).parents if p != Path(".")}
    entries = [Entry(name, DIR_MODE, folder=True) for name in folders]
    entries += [Entry(f"{top}/{f.name}", f.mode, f.source, f.content) for f in files]
    return sorted(entries, key=lambda e: e.name)


def classes_in(classpath: list[Path]) -> set[str]:
    """Every class name the jars hold."""
    found = set()
    for jar in classpath:
        with zipfile.ZipFile(jar) as z:
            found.update(n.removesuffix(".class").replace("/", ".") for n in z.namelist() if n.endswith(".class"))
    return found


def launchers(classes: set[str]) -> dict[str, tuple[int, str]]:
    """bin/ name -> (mode, text): helpers as they are (executable if they are scripts, not sourced
    libraries), launchers with their release's main class."""
    result = {}
    for path in sorted(LAUNCHERS.glob("*.sh")):
        text = path.read_text()
        if PLACEHOLDER not in text:
            result[path.name] = (EXEC_MODE if text.startswith("#!") else FILE_MODE, text)
            continue
        if path.name not in MAIN_CLASSES:
            raise ValueError(f"{path}: no entry in MAIN_CLASSES for its {PLACEHOLDER}")
        main = next((c for c in MAIN_CLASSES[path.name] if c in classes), None)
        if main is None:
            if path.name in OPTIONAL:
                continue
            raise ValueError(f"{path.name}: none of {MAIN_CLASSES[path.name]} is in this release's jars")
        result[path.name] = (EXEC_MODE, text.replace(PLACEHOLDER, main))
    return result


def logging_config(jar_names: list[str]) -> dict[str, str]:
    bindings = [b for b in LOGGING if any(n.startswith(f"{b}-") for n in jar_names)]
    if len(bindings) != 1:
        raise ValueError(f"expected exactly one logging binding of {sorted(LOGGING)} among the jars, found {bindings}")
    return LOGGING[bindings[0]]


def inputs_digest(entries: list[Entry]) -> str:
    """Changes with any entry and with this recipe itself (times, owners, compression)."""
    manifest = [(e.name, e.mode, e.identity()) for e in entries]
    recipe = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps([recipe, manifest]).encode()).hexdigest()


def write_archive(path: Path, entries: list[Entry]) -> None:
    # Level 6 like a typical release tarball: the jars are compressed already, 9 only costs time.
    with open(path, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.mode, info.mtime = entry.mode, MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if entry.folder:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.source:
                info.size = entry.source.stat().st_size
                with open(entry.source, "rb") as f:
                    tar.addfile(info, f)
            else:
                info.size = len(entry.content)
                tar.addfile(info, io.BytesIO(entry.content))
