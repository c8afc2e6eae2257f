#!/usr/bin/env python3
"""A live view of a running pipeline, for the instructor: per topic its end offsets and events/s,
per consumer group its lag and members, one row per student in a class, each broker's health, and
each Logstash pipeline's events in and out, queue, last event out and failed reloads (read from
Logstash's loopback-only monitoring API through the operator's SSH).

    make status                                        # opens the tunnels, refreshes every 2 s, Ctrl-C quits
    python scripts/status.py --bootstrap localhost:9094 [--topics a,b] [--students '{"ana": "t-ana"}']
    python scripts/status.py --once | --json           # one snapshot, as tables or as JSON

Bootstrap, topics, students and hosts default to the stack outputs (operatorBootstrap, topics, hosts,
and students in a class; a stack without students shows its one pipeline's topic and group).
Reads metadata and offsets only: it joins no group and moves no offset.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

import pipeline_stats
from pipeline_stats import Pipeline, Unread

# kafka.provider's value for brokers the stack runs (components/settings: OWN_BROKERS).
OWN_BROKERS = "ours"


@dataclass
class Group:
    name: str
    members: int
    lag: dict[str, int]          # topic -> messages not yet consumed (end - committed)


@dataclass
class Snapshot:
    at: float
    # None: a Kafka the stack does not run (kafka.provider existing), whose size it does not know.
    brokers_expected: int | None
    brokers_up: list[int]
    controller: int | None
    ends: dict[str, int]         # topic -> sum of its partitions' end offsets
    partitions: dict[str, int]   # topic -> partition count
    groups: list[Group] = field(default_factory=list)
    pipelines: list[Pipeline] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)


def stack_outputs(stack: str | None) -> dict:
    """Every output of the stack; a stack with none was never deployed (or is destroyed)."""
    if not shutil.which("pulumi"):
        raise RuntimeError("pulumi is not on PATH; pass --bootstrap and --topics")
    argv = ["pulumi", "stack", "output", "--json", *(["--stack", stack] if stack else [])]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    outputs = json.loads(result.stdout or "{}") if result.returncode == 0 else {}
    if not outputs:
        raise RuntimeError(f"no stack outputs ({result.stderr.strip()[:200] or 'none'}): is the stack deployed? make up")
    return outputs


def required(outputs: dict, name: str):
    if name not in outputs:
        raise RuntimeError(f"no stack output {name}: deploy the stack again with this version (make up)")
    return outputs[name]


def take(bootstrap: str, topics: list[str], brokers_expected: int | None) -> Snapshot:
    """One look at the cluster: brokers, every topic's end offsets, every group's lag and members."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import KafkaAdminClient

    common = {"bootstrap_servers": bootstrap.split(","), "client_id": "kafka-pipeline-status",
              "request_timeout_ms": 10_000, "reconnect_backoff_max_ms": 1000,
              # A broker that does not answer is said so within 10 s, as smoke does, not kafka-python's 30.
              "bootstrap_timeout_ms": 10_000}
    admin = KafkaAdminClient(**common)
    consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, **common)
    try:
        cluster = admin.describe_cluster()
        partitions = {t: sorted(consumer.partitions_for_topic(t) or ()) for t in topics}
        tps = [TopicPartition(t, p) for t, ps in partitions.items() for p in ps]
        end_of = consumer.end_offsets(tps) if tps else {}
        groups = []
        for name in sorted(g["group_id"] for g in admin.list_groups()):
            committed = admin.list_group_offsets(name).get(name, {})
            lag: dict[str, int] = {}
            for tp, meta in committed.items():
                if tp.topic in partitions and meta.offset >= 0:
                    lag[tp.topic] = lag.get(tp.topic, 0) + max(0, end_of.get(tp, 0) - meta.offset)
            if lag:
                described = admin.describe_groups([name]).get(name, {})
                groups.append(Group(name, len(described.get("members") or []), lag))
        return Snapshot(
            at=time.time(), brokers_expected=brokers_expected,
            # A fenced broker is registered but not serving: not up.
            brokers_up=sorted(b["broker_id"] for b in cluster["brokers"] if not b.get("is_fenced")),
            controller=cluster.get("controller_id"),
            ends={t: sum(end_of.get(TopicPartition(t, p), 0) for p in ps) for t, ps in partitions.items()},
            partitions={t: len(ps) for t, ps in partitions.items()}, groups=groups)
    finally:
        consumer.close()
        admin.close()


def rates(before: Snapshot | None, now: Snapshot) -> dict[str, float]:
    """Events per second into each topic since the previous look."""
    if before is None or now.at <= before.at:
        return {}
    return {t: (now.ends[t] - before.ends.get(t, now.ends[t])) / (now.at - before.at) for t in now.ends}


def look(bootstrap: str, topics: list[str], brokers_expected: int | None, hosts: dict,
         known_hosts: str | None) -> Snapshot:
    """The cluster, then every Logstash host's pipelines."""
    now = take(bootstrap, topics, brokers_expected)
    now.pipelines, now.unread = pipeline_stats.read(hosts, known_hosts)
    return now


def ago(seconds: float) -> str:
    return f"{seconds:.0f}s ago" if seconds < 120 else f"{seconds / 60:.0f}m ago"


def pipelines_table(now: Snapshot, rate: dict[tuple[str, str], tuple[float, float]],
                    last_out: dict[tuple[str, str], float]):
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Logstash pipelines", title_justify="left")
    for column, justify in (("host", "left"), ("student", "left"), ("pipeline", "left"), ("in/s", "right"),
                            ("out/s", "right"), ("events out", "right"), ("queued", "right"),
                            ("last out", "right"), ("reload failures", "left")):
        table.add_column(column, justify=justify)
    rows = [(p.host, p) for p in now.pipelines] + [(u.host, u) for u in now.unread]
    for _, p in sorted(rows, key=lambda r: (r[1].student or "", r[1].role, r[0])):
        if isinstance(p, Unread):
            table.add_row(p.host, p.student or "-", "-", "-", "-", "-", "-", "-", f"[red]no answer: {escape(p.error)}[/]")
            continue
        k = pipeline_stats.key(p)
        in_rate, out_rate = rate.get(k, (0.0, 0.0))
        failures = "0" if not p.reload_failures else f"[red]{p.reload_failures}: {escape(p.last_error or '?')}[/]"
        table.add_row(p.host, p.student or "-", p.id, f"{in_rate:.1f}", f"{out_rate:.1f}", str(p.events_out),
                      "-" if p.queued is None else str(p.queued),
                      ago(now.at - last_out[k]) if k in last_out else "-", failures)
    return table


def render(now: Snapshot, rate: dict[str, float], students: dict[str, str],
           pipeline_rate: dict | None = None, last_out: dict | None = None):
    from rich.console import Group as Stack
    from rich.table import Table

    healthy = len(now.brokers_up) >= (1 if now.brokers_expected is None else now.brokers_expected)
    brokers = Table(title="Brokers", title_justify="left")
    for column in ("up", "expected", "controller", "health"):
        brokers.add_column(column)
    expected = "-" if now.brokers_expected is None else str(now.brokers_expected)
    brokers.add_row(", ".join(map(str, now.brokers_up)) or "none", expected, str(now.controller),
                    "[green]ok[/]" if healthy else "[red]broker(s) missing[/]")

    topics = Table(title="Topics", title_justify="left")
    for column, justify in (("topic", "left"), ("partitions", "right"), ("end offset", "right"), ("events/s", "right")):
        topics.add_column(column, justify=justify)
    for t in sorted(now.ends):
        topics.add_row(t, str(now.partitions[t]), str(now.ends[t]), f"{rate.get(t, 0):.1f}")

    groups = Table(title="Consumer groups", title_justify="left")
    for column, justify in (("group", "left"), ("topic", "left"), ("lag", "right"), ("members", "right")):
        groups.add_column(column, justify=justify)
    for g in now.groups:
        for t, lag in sorted(g.lag.items()):
            groups.add_row(g.name, t, str(lag), str(g.members))
    parts = [brokers, topics, groups]

    if students:
        lag_of = {t: (g.name, lag, g.members) for g in now.groups for t, lag in g.lag.items()}
        table = Table(title="Students", title_justify="left")
        for column, justify in (("student", "left"), ("topic", "left"), ("events", "right"), ("events/s", "right"),
                                ("lag", "right"), ("consumer", "left")):
            table.add_column(column, justify=justify)
        for name, topic in sorted(students.items()):
            group, lag, members = lag_of.get(topic, ("-", "-", 0))
            table.add_row(name, topic, str(now.ends.get(topic, "-")), f"{rate.get(topic, 0):.1f}", str(lag),
                          "[green]reading[/]" if members else "[yellow]not connected[/]")
        parts.append(table)
    if now.pipelines or now.unread:
        parts.append(pipelines_table(now, pipeline_rate or {}, last_out or {}))
    return Stack(*parts)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", help="host:port,... (default: pulumi stack output operatorBootstrap)")
    p.add_argument("--topics", help="comma-separated (default: pulumi stack output topics)")
    p.add_argument("--students", help='JSON {"name": "topic"} (default: from pulumi stack output students)')
    p.add_argument("--hosts", help="JSON as the stack output hosts: the Logstash hosts to read (default: from it)")
    p.add_argument("--known-hosts", help="the SSH known_hosts file for the stack's hosts (make status passes it)")
    p.add_argument("--stack")
    p.add_argument("--interval", type=float, default=2.0)
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("--once", action="store_true", help="one snapshot as tables, then exit")
    shown.add_argument("--json", action="store_true", help="one snapshot as JSON, then exit")
    args = p.parse_args(argv)
    try:
        # Given a bootstrap and topics, the script reads no stack (a class's students then come from --students).
        outputs = {} if args.bootstrap and args.topics else stack_outputs(args.stack)
        bootstrap = args.bootstrap or required(outputs, "operatorBootstrap")
        topics = args.topics.split(",") if args.topics else required(outputs, "topics")
        if args.students is not None:
            students = json.loads(args.students)
        else:
            # A stack without students is one pipeline: its rows are its topics' and groups'.
            students = {n: s["topic"] for n, s in (outputs.get("students") or {}).items()}
        hosts = json.loads(args.hosts) if args.hosts is not None else outputs.get("hosts") or {}
    except (RuntimeError, ValueError) as error:
        print(f"FAIL: {error}", file=sys.stderr)
        return 1
    # Our brokers are one per operator listener; a Kafka of the user's may have more than its bootstrap lists.
    expected = len(bootstrap.split(",")) if outputs.get("kafkaProvider", OWN_BROKERS) == OWN_BROKERS else None

    from kafka.errors import KafkaError
    from rich.console import Console
    from rich.live import Live

    try:
        now = look(bootstrap, topics, expected, hosts, args.known_hosts)
        if args.json:
            print(json.dumps(asdict(now), indent=2))
            return 0
        if args.once:
            Console().print(render(now, {}, students))
            return 0
        last_out: dict[tuple[str, str], float] = {}
        with Live(render(now, {}, students), refresh_per_second=4, screen=False) as live:
            while True:
                time.sleep(args.interval)
                before, now = now, look(bootstrap, topics, expected, hosts, args.known_hosts)
                last_out = pipeline_stats.last_out(before.pipelines, now.pipelines, last_out)
                live.update(render(now, rates(before, now), students,
                                   pipeline_stats.rates(before.pipelines, now.pipelines), last_out))
    except KafkaError as error:
        print(f"FAIL: cannot read the cluster at {bootstrap}: {error!r} (are the tunnels open? make status does it)",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
