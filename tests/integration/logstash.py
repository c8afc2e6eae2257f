"""Real Logstash inside a namespace: the archive the rehearsal mirror serves to hosts (the offline OSS
build with Debian's OpenJDK 17 as its jdk/), unpacked once, run as the logstash unit runs it: as an
unprivileged user, with logstash.yml, jvm.options and the pipeline file where the stages put them on
a simulated host's filesystem, its data in that host's /var/lib/logstash.

Also what reads Logstash's output: rubydebug events (with [@metadata][kafka]) and its pipeline
start and error lines.
"""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tarfile
import threading
import time
from pathlib import Path

from components.stages import logstash as logstash_stage
from components.stages import pipeline_files
from tests.integration.jvm import rooted
from tests.integration.netns import Network
from tests.rehearsal import logstash_dist

# Outside the checkout: Logstash runs as an unprivileged user, who must reach its install and the
# simulated hosts' folders whatever the modes of the folders a checkout sits in.
WORK = Path("/var/tmp/kafka-pipeline-logstash")
# Who Logstash runs as: not root (Logstash 9 refuses root unless allow_superuser), as on the hosts.
USER, GROUP = "nobody", "nogroup"
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}


def install(version: str | None = None) -> Path:
    """The unpacked release (root-owned, world-readable), once per archive."""
    version = version or logstash_dist.offline_versions()[0]
    archive = logstash_dist.build(version, WORK / "dist")
    home = WORK / f"{archive.stat().st_ino}-{archive.stat().st_size}" / f"logstash-{version}"
    if not (home / ".unpacked").exists():
        shutil.rmtree(home.parent, ignore_errors=True)
        home.parent.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(home.parent, filter="tar")
        (home / ".unpacked").touch()
    return home


class Logstash:
    """One Logstash process on a simulated host (`root`), inside `host`'s namespace."""

    def __init__(self, net: Network, home: Path, root: Path, host: str, pipeline: str, heap_mb: int = 256,
                 env: dict[str, str] | None = None, pipelines_yml: str | None = None):
        self.net, self.home, self.host, self.env = net, home, host, env or {}
        self.settings = rooted(root, logstash_stage.SETTINGS_DIR)
        self.conf = rooted(root, pipeline_files.CONFIG)
        self.data = rooted(root, logstash_stage.DATA_DIR)
        self.logs = rooted(root, logstash_stage.LOG_DIR)
        for folder in (self.conf.parent, self.data, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        (self.settings / "logstash.yml").write_text(logstash_stage.yaml_lines(logstash_stage.logstash_yml(host)))
        for name in ("jvm.options", "log4j2.properties"):
            shutil.copy(home / "config" / name, self.settings / name)
        self.conf.write_text(pipeline)
        self.pipelines_yml = pipelines_yml
        if pipelines_yml is not None:
            (self.settings / "pipelines.yml").write_text(pipelines_yml)
        shutil.chown(self.data, USER, GROUP)
        shutil.chown(self.logs, USER, GROUP)
        self.out = root / "run" / "logstash.out"
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_bytes(b"")  # this process's output only, not an earlier one's on the same host
        self.heap_mb = heap_mb
        self.proc: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        # --path.data/--path.logs: the rendered logstash.yml names the hosts' absolute folders.
        paths = ["--path.settings", str(self.settings), "--path.data", str(self.data), "--path.logs", str(self.logs)]
        if self.pipelines_yml is None:
            paths += ["--path.config", str(self.conf)]
        return ["setpriv", f"--reuid={USER}", f"--regid={GROUP}", "--clear-groups", "env",
                *(f"{k}={v}" for k, v in {**ENV, **self.env,
                                          "LS_JAVA_OPTS": f"-Xms{self.heap_mb}m -Xmx{self.heap_mb}m"}.items()),
                str(self.home / "bin" / "logstash"), *paths]

    def start(self, holdable: bool = False) -> "Logstash":
        """`holdable`: its stdout is a pipe this process copies to the output file until hold(), as a
        sink whose reader stops reading (the pipe fills and the stdout output blocks) until release()."""
        with open(self.out, "ab") as out:
            self.proc = subprocess.Popen(self.net.cmd(self.host, self.argv()),
                                         stdout=subprocess.PIPE if holdable else out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        if holdable:
            self._reading = threading.Event()
            self._reading.set()
            self._pumping = threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True)
            self._pumping.start()
        return self

    def hold(self) -> None:
        self._reading.clear()

    def release(self) -> None:
        self._reading.set()

    def _pump(self, pipe) -> None:
        with open(self.out, "ab", buffering=0) as out:
            while True:
                self._reading.wait()
                chunk = pipe.read1(65536)
                if not chunk:
                    return
                out.write(chunk)

    def drained(self, timeout: float = 30) -> str:
        """The output once the pump has copied all the process wrote (after it exited)."""
        self._pumping.join(timeout)
        return self.output()

    def output(self) -> str:
        return self.out.read_text(errors="replace") if self.out.exists() else ""

    def wait_for(self, what: str, found, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = found(self.output())
            if value:
                return value
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        raise AssertionError(f"Logstash on {self.host}: {what} not seen within {timeout:.0f}s "
                             f"(exit {self.proc.poll()}):\n{tail(self.output(), 60)}")

    def wait_started(self, pipeline_id: str = "main", timeout: float = 180) -> float:
        began = time.monotonic()
        self.wait_for(f"pipeline {pipeline_id} started", lambda text: pipeline_id in started(text), timeout)
        return time.monotonic() - began

    def stop(self, timeout: float = 120) -> int:
        """SIGTERM, as systemd stops the unit: Logstash drains its queue and closes its outputs."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"Logstash on {self.host} did not stop within {timeout}s") from None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


STARTED = re.compile(r'Pipeline started \{"pipeline\.id"=>"([^"]+)"\}')
FAILED = re.compile(r'Pipeline error \{:pipeline_id=>"([^"]+)", :exception=>"([^"]+)", :error=>"((?:[^"\\]|\\.)*)"')


def started(text: str) -> set[str]:
    return set(STARTED.findall(text))


def errors(text: str) -> dict[str, str]:
    """pipeline id -> the error it failed with (exception: message)."""
    return {pid: f"{exception}: {message}" for pid, exception, message in FAILED.findall(text)}


# ---- what a rubydebug output printed ----

FIELD = re.compile(r'^\s*"([^"]+)" => "?([^"]*?)"?,?\s*$')


def rubydebug_events(text: str) -> list[dict[str, str]]:
    """The scalar fields of each event block a rubydebug output printed (a `{` line, the fields,
    nested [@metadata][kafka] among them, a `}` line), flattened: the first value of a name wins."""
    events, current = [], None
    for line in text.splitlines():
        if line == "{":
            current = {}
        elif line == "}" and current is not None:
            events.append(current)
            current = None
        elif current is not None:
            match = FIELD.match(line)
            if match:
                current.setdefault(match.group(1), match.group(2))
    return events


def printed_events(text: str) -> list[tuple[str, int, int]]:
    """(topic, partition, offset) of each event a rubydebug output printed with Kafka metadata."""
    return [(e["topic"], int(e["partition"]), int(e["offset"])) for e in rubydebug_events(text)
            if {"topic", "partition", "offset"} <= set(e)]
