"""Producer namespace -> broker -> consumer namespace runs, and the arithmetic on what came through.

The producer's and consumer's pipelines are rendered by the source and sink stages exactly as
deployed (`source.plan(...)`, `sink.plan(...)`) and written into the simulated hosts; the clients
read them back with components.logstash.parse.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.integration.broker import Cluster, env
from tests.integration.jvm import rooted

from components.settings import Settings
from components.stages import kafka_listeners, sink, source
from components.stages.plan import Facts
from components.stages.kafka import bootstrap_servers

# The stage that renders each Logstash host's pipeline.
PIPELINE_STAGE = {"producer": source, "consumer": sink}


def render_pipelines(cluster: Cluster, settings: Settings, brokers: tuple[str, ...] | None = None) -> dict[str, Path]:
    """The rendered pipeline.conf of the producer and the consumer host, written where the stage puts it.
    `brokers` are the broker addresses the hosts' Facts name (default: the one `broker` namespace)."""
    brokers = brokers or (cluster.net.ip["broker"],)
    paths = {}
    for role in ("producer", "consumer"):
        plan = PIPELINE_STAGE[role].plan(settings, Facts(role=role, bootstrap=bootstrap_servers(brokers)))
        f = plan.files[0]
        path = rooted(cluster.hosts[role].root, f.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f.content)
        paths[role] = path
    return paths


def stored_records(cluster: Cluster, topic: str) -> list[dict]:
    """Every record of the topic (partition, offset, value: its JSON object, {} if it is not one), read to its
    end on the broker host as the operator's tools read it: through the loopback listener with
    kafka.security sasl_ssl, the client port with plaintext."""
    bootstrap = kafka_listeners.on_broker_bootstrap(cluster.settings, cluster.broker.ip)
    code = textwrap.dedent(f"""
        import json
        from kafka import KafkaConsumer, TopicPartition
        c = KafkaConsumer(bootstrap_servers={bootstrap!r}, group_id=None, enable_auto_commit=False)
        parts = [TopicPartition({topic!r}, p) for p in sorted(c.partitions_for_topic({topic!r}))]
        ends = c.end_offsets(parts)
        c.assign(parts); c.seek_to_beginning(*parts)
        def value(raw):
            try:
                found = json.loads(raw)
            except ValueError:
                return {{}}  # another test's plain ids
            return found if isinstance(found, dict) else {{}}  # an id such as 8e312345 reads as a number
        out = []
        while any(c.position(tp) < ends[tp] for tp in parts):
            for records in c.poll(timeout_ms=1000).values():
                out += [{{"partition": r.partition, "offset": r.offset, "value": value(r.value)}} for r in records]
        print(json.dumps(out))
    """)
    result = cluster.net.run("broker", [sys.executable, "-c", code], timeout=120, env=env(),
                             cwd=str(Path(__file__).resolve().parents[2]))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


class Client:
    """A client subprocess in a namespace; its result is the JSON file it writes."""

    def __init__(self, cluster: Cluster, host: str, name: str, args: list[str]):
        d = cluster.hosts[host].root / "run"
        d.mkdir(parents=True, exist_ok=True)
        self.out, self.progress_file, self.log = d / f"{name}.json", d / f"{name}.progress", d / f"{name}.log"
        for p in (self.out, self.progress_file):
            p.unlink(missing_ok=True)
        self.name = name
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                cluster.client(host, *args, "--out", str(self.out), "--progress", str(self.progress_file)),
                stdout=log, stderr=subprocess.STDOUT, env=env(), cwd=str(Path(__file__).resolve().parents[2]))

    def progress(self) -> dict:
        try:
            return json.loads(self.progress_file.read_text())
        except (OSError, ValueError):
            return {}

    def wait_progress(self, key: str, at_least: int, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            p = self.progress()
            if p.get(key, 0) >= at_least:
                return p
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited before {key} >= {at_least}:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: {key} did not reach {at_least} in {timeout}s (at {self.progress()})")

    def result(self, timeout: float) -> dict:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError(f"{self.name} still running after {timeout}s:\n{self.log.read_text()[-3000:]}")
        if code != 0 or not self.out.exists():
            raise AssertionError(f"{self.name} failed ({code}):\n{self.log.read_text()[-3000:]}")
        return json.loads(self.out.read_text())

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def producer(cluster: Cluster, conf: Path, name: str, count: int, run: str, rate: float = 0,
             timeout: float = 150, extra: tuple[str, ...] = ()) -> Client:
    return Client(cluster, "producer", name, ["produce", "--conf", str(conf), "--count", str(count), "--run", run,
                                              "--rate", str(rate), "--timeout", str(timeout),
                                              "--host", "producer", "--host-root", str(cluster.hosts["producer"].root),
                                              *extra])


def consumer(cluster: Cluster, conf: Path, name: str, *, until_count: int = 0, until_end: bool = False,
             stop_file: Path | None = None, timeout: float = 150, idle: float = 0, run: str | None = None) -> Client:
    args = ["consume", "--conf", str(conf), "--timeout", str(timeout), "--host-root", str(cluster.hosts["consumer"].root)]
    if run:
        args += ["--run", run]
    if until_count:
        args += ["--until-count", str(until_count)]
    if until_end:
        args.append("--until-end")
    if stop_file:
        args += ["--stop-file", str(stop_file)]
    if idle:
        args += ["--idle", str(idle)]
    return Client(cluster, "consumer", name, args)


@dataclass
class Tally:
    sent: int
    acked: int
    failed: int
    received: int          # records delivered to the consumer(s), counting redeliveries
    distinct: int          # distinct events received
    lost: int              # acknowledged but never received
    duplicated: int        # events stored at more than one offset (a producer-side duplicate)
    redelivered: int       # the same offset delivered again (at-least-once consumer replay)
    unacked_received: int  # sent, no ack seen, yet stored (acks lost with the broker): not a loss
    out_of_order: int      # partitions whose offsets do not follow the send order
    offset_mismatch: int   # acks whose (partition, offset) differs from where the event was read
    partitions: dict[int, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"sent={self.sent} acked={self.acked} failed={self.failed} received={self.received} "
                f"distinct={self.distinct} lost={self.lost} duplicated={self.duplicated} "
                f"redelivered={self.redelivered} unacked_but_stored={self.unacked_received} "
                f"out_of_order_partitions={self.out_of_order} offset_mismatch={self.offset_mismatch} "
                f"per_partition={dict(sorted(self.partitions.items()))}")


def tally(produced: dict, consumed: list[dict], run: str) -> Tally:
    acked = {int(k): tuple(v) for k, v in produced["acked"].items()}
    records = [r for c in consumed for r in c["records"] if r[0] == run]
    by_offset = Counter((r[3], r[4]) for r in records)
    where: dict[int, set] = defaultdict(set)
    stored: dict[tuple[int, int], int] = {}
    for _, seq, _, part, off, _ in records:
        where[seq].add((part, off))
        stored[(part, off)] = seq
    per_part: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (part, off), seq in stored.items():
        per_part[part].append((off, seq))
    out_of_order = 0
    for items in per_part.values():
        seqs = [s for _, s in sorted(items)]
        out_of_order += any(b <= a for a, b in zip(seqs, seqs[1:]))
    return Tally(
        sent=produced["sent"], acked=len(acked), failed=len(produced["failed"]),
        received=len(records), distinct=len(where),
        lost=sum(1 for s in acked if s not in where),
        duplicated=sum(1 for locs in where.values() if len(locs) > 1),
        redelivered=sum(n - 1 for n in by_offset.values()),
        unacked_received=sum(1 for s in where if s not in acked),
        out_of_order=out_of_order,
        offset_mismatch=sum(1 for s, loc in acked.items() if s in where and where[s] != {loc}),
        partitions={p: len(v) for p, v in per_part.items()},
    )
