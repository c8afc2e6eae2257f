"""Each Logstash host's pipelines, as make status shows them: events in and out, what waits in the
queue, when an event last went out, and failed reloads. Read from Logstash's monitoring API, which
stays bound to the host's loopback: through the operator's SSH, one command per host per look, over
one shared connection per host."""
from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

STATS_PATH = "/_node/stats/pipelines"


@dataclass
class Pipeline:
    host: str                    # the host's name in the stack output hosts (producer, consumer-ana)
    role: str
    student: str | None
    id: str                      # Logstash's pipeline.id
    events_in: int
    events_out: int
    queued: int | None           # events in a disk queue; None for a memory queue
    reload_failures: int
    last_error: str | None
    at: float                    # when it was read


@dataclass
class Unread:
    """A Logstash host whose API did not answer (host down, Logstash starting or stopped)."""
    host: str
    role: str
    student: str | None
    error: str


def logstash_hosts(hosts: dict) -> dict[str, dict]:
    """The hosts that run Logstash and say where its API is (stack output hosts)."""
    return {name: h for name, h in hosts.items() if "monitoringPort" in h}


def parse(host: str, entry: dict, text: str, at: float) -> list[Pipeline]:
    """Logstash's /_node/stats/pipelines answer as one Pipeline per pipeline.id."""
    pipelines = json.loads(text).get("pipelines") or {}
    found = []
    for pipeline_id, stats in sorted(pipelines.items()):
        events, reloads, queue = stats.get("events") or {}, stats.get("reloads") or {}, stats.get("queue") or {}
        last_error = reloads.get("last_error")
        found.append(Pipeline(
            host=host, role=entry["role"], student=entry.get("student"), id=pipeline_id,
            events_in=int(events.get("in", 0)), events_out=int(events.get("out", 0)),
            queued=int(queue["events_count"]) if queue.get("type") == "persisted" and "events_count" in queue else None,
            reload_failures=int(reloads.get("failures", 0)),
            last_error=last_error.get("message") if isinstance(last_error, dict) else last_error, at=at))
    return found


def ssh_command(entry: dict, known_hosts: str | None) -> list[str]:
    """The operator's SSH to one host, multiplexed: the first look opens the connection, later looks
    (every 2 s) reuse it for a minute."""
    key = os.path.expanduser(entry["sshKey"]) if entry.get("sshKey") else None
    return ["ssh", *(["-i", key] if key else []), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
            "-o", "StrictHostKeyChecking=accept-new", *(["-o", f"UserKnownHostsFile={known_hosts}"] if known_hosts else []),
            "-o", "ControlMaster=auto", "-o", "ControlPath=/tmp/kafka-pipeline-status-%C", "-o", "ControlPersist=60",
            f"{entry['user']}@{entry['address']}",
            f"curl -fsS --max-time 5 http://127.0.0.1:{int(entry['monitoringPort'])}{STATS_PATH}"]


def read(hosts: dict, known_hosts: str | None = None, timeout: float = 20) -> tuple[list[Pipeline], list[Unread]]:
    """One look at every Logstash host's pipelines, the hosts read side by side."""
    def one(item: tuple[str, dict]) -> list[Pipeline] | Unread:
        name, entry = item
        try:
            done = subprocess.run(ssh_command(entry, known_hosts), capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Unread(name, entry["role"], entry.get("student"), f"no answer within {timeout:.0f}s")
        if done.returncode != 0:
            said = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            return Unread(name, entry["role"], entry.get("student"), said[:160])
        try:
            return parse(name, entry, done.stdout, time.time())
        except (ValueError, KeyError, TypeError) as error:
            return Unread(name, entry["role"], entry.get("student"), f"unreadable stats: {error}")

    targets = sorted(logstash_hosts(hosts).items())
    if not targets:
        return [], []
    with ThreadPoolExecutor(max_workers=min(16, len(targets))) as pool:
        results = list(pool.map(one, targets))
    return ([p for r in results if isinstance(r, list) for p in r], [r for r in results if isinstance(r, Unread)])


def key(p: Pipeline) -> tuple[str, str]:
    return p.host, p.id


def rates(before: list[Pipeline], now: list[Pipeline]) -> dict[tuple[str, str], tuple[float, float]]:
    """Events in and out per second of each pipeline since the previous look (none across a
    restart, whose counters start again from zero)."""
    earlier = {key(p): p for p in before}
    found = {}
    for p in now:
        b = earlier.get(key(p))
        if b is None or p.at <= b.at or p.events_in < b.events_in or p.events_out < b.events_out:
            continue
        found[key(p)] = ((p.events_in - b.events_in) / (p.at - b.at), (p.events_out - b.events_out) / (p.at - b.at))
    return found


def last_out(before: list[Pipeline], now: list[Pipeline], seen: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """When each pipeline last sent an event out, as far as these looks saw: the time of the first
    look at which its out counter had grown (or had restarted from zero with events out)."""
    earlier = {key(p): p for p in before}
    latest = dict(seen)
    for p in now:
        b = earlier.get(key(p))
        if b is not None and (p.events_out > b.events_out or (p.events_out < b.events_out and p.events_out > 0)):
            latest[key(p)] = p.at
    return latest
