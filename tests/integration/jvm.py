"""A JVM in a network namespace, and the folder that stands in for its host's filesystem: what
the broker, ZooKeeper and Kafka's tools of the integration tests are run as."""
from __future__ import annotations

import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.integration.netns import Network

JVM_OPTS = ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true", "-XX:-UsePerfData"]
LOG4J2 = """status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = {level}
rootLogger.appenderRef.out.ref = OUT
"""
LOG4J1 = """log4j.rootLogger={level}, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
"""

def rooted(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


@dataclass
class Host:
    """A simulated host filesystem for one namespace."""

    name: str
    root: Path

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    def wipe_tmp(self) -> int:
        """What a reboot does to /tmp: everything in it is gone. Returns how many entries it removed."""
        count = 0
        if self.tmp.exists():
            for entry in self.tmp.iterdir():
                count += 1
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
        self.tmp.mkdir(parents=True, exist_ok=True)
        return count


def log_config(version: str, root: Path, level: str = "INFO") -> list[str]:
    """JVM flags that send a release's logs to stdout (log4j2 for 4.x, reload4j for 3.x)."""
    etc = root / "etc" / "kafka"
    etc.mkdir(parents=True, exist_ok=True)
    if int(version.split(".")[0]) >= 4:
        path = etc / f"log4j2-{level}.properties"
        path.write_text(LOG4J2.format(level=level))
        return [f"-Dlog4j2.configurationFile={path}"]
    path = etc / f"log4j-{level}.properties"
    path.write_text(LOG4J1.format(level=level))
    return [f"-Dlog4j.configuration=file:{path}"]


class Process:
    """A JVM in a namespace, its output appended to a log file."""

    def __init__(self, net: Network, host: str, argv: list[str], log: Path):
        self.net, self.host, self.argv, self.log = net, host, argv, log
        self.proc: subprocess.Popen | None = None
        self.log_offset = 0

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log_offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.net.cmd(self.host, self.argv), stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        """What this run (since the last start) logged."""
        if not self.log.exists():
            return ""
        with open(self.log, "rb") as f:
            f.seek(self.log_offset)
            return f.read().decode(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def kill9(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self, timeout: float = 60) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
