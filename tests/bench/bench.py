#!/usr/bin/env python3
"""make bench: what users run, measured. One table, figures only, no assertions.

    .venv/bin/python tests/bench/bench.py [--no-rehearsal] [--warmup 8] [--seconds 15] [--rounds 3]   (as root)

- Kafka's Java clients from the pinned jars (Logstash's kafka plugins are the Java client), set
  as our rendered pipelines set them (read back from the rendered files), against a broker started
  with our rendered server.properties and against one with Kafka's stock configuration plus only
  what a single node needs: producer and consumer throughput and their ratio (goal >= 0.95), and
  end-to-end latency at a fixed rate after an unmeasured warm-up round and an unmeasured start
  of every run (goal: p99 < 50 ms at 1,000 events/s).
- What kafka.security sasl_ssl (the default: TLS, SCRAM logins, the authorizer) costs: the same
  Java clients, logged in as the rendered pipelines log in, against our broker with sasl_ssl beside
  it on plaintext (goal: producer throughput >= 0.75 of plaintext, p99 < 20 ms at 1,000 events/s).
- kafka-python's end-to-end latency with the same settings, as a labelled contrast.
- The dev stack's hourly cost against the tutorial's three t2.medium (goal <= 0.5), from prices.py.
- A rehearsal on local hosts (see tests/rehearsal): time from `up` to the first event at the
  consumer (goal < 2 min with a warm image and mirror), every stage's span and the critical path.
Needs root, iproute2, Java 17+ with javac, the jars; the rehearsal also the Pulumi CLI on PATH.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from components import cost  # noqa: E402
from components.settings import all_topics  # noqa: E402
from tests.bench import java_clients, prices, python_clients, timeline  # noqa: E402
from tests.integration import flow  # noqa: E402
from components.errors import Secret  # noqa: E402
from tests.integration import secured  # noqa: E402
from tests.integration.broker import Cluster  # noqa: E402
from tests.integration.client import Host  # noqa: E402
from tests.settings import make  # noqa: E402

RECORD_BYTES = 200  # about a generator event as our producer's json codec writes it


@dataclass
class Side:
    """One broker configuration under test, in its own namespaces, and the figures taken against it."""
    label: str
    cluster: Cluster
    figures: dict[str, list] = field(default_factory=lambda: {"producer": [], "consumer": [], "join": [],
                                                              "latency": [], "cold": []})

    def start(self) -> None:
        print(f"  broker with {self.label}: starting ...", flush=True)
        settings = self.cluster.settings
        if settings.kafka.security == "sasl_ssl":
            secured.start(self.cluster)
            rendered = secured.render_pipelines(self.cluster, settings)
            self.confs = {role: path for role, (path, _) in rendered.items()}
            hosts = {role: host for role, (_, host) in rendered.items()}
        else:
            self.cluster.start()
            self.cluster.broker.create_topics()
            self.confs, hosts = flow.render_pipelines(self.cluster, settings), {}
        self.produce = java_clients.client_props(self.confs["producer"], "outputs", hosts.get("producer", Host()))
        self.consume = java_clients.client_props(self.confs["consumer"], "inputs", hosts.get("consumer", Host()))


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def turn(sides: tuple, n: int) -> tuple:
    """Who goes first alternates by round, so a drift of the machine does not favour one side."""
    return sides if n % 2 else sides[::-1]


def java_figures(settings, secrets: Path, args) -> tuple[Side, Side, Side]:
    """Every broker configuration up at once, measured in turn, so none gets the quieter minute:
    ours as deployed (kafka.security sasl_ssl), ours with plaintext, Kafka's stock configuration."""
    topic = settings.producer.topic
    plain = dataclasses.replace(settings, kafka=dataclasses.replace(settings.kafka, security="plaintext"))
    tls = Side("our rendered server.properties, sasl_ssl (the default)",
               secured.secured_cluster(settings, secrets, Secret(uuid.uuid4().hex), tag="jbtls", subnet="10.213.12"))
    ours = Side("our rendered server.properties, plaintext", Cluster(plain, tag="jbour", subnet="10.213.7"))
    stock = Side("Kafka's stock configuration",
                 Cluster(plain, tag="jbstk", subnet="10.213.8", config_of=java_clients.stock_properties))
    sides = (tls, ours, stock)
    try:
        for side in sides:
            side.start()
        for side in (ours, stock):
            # First, while the topic holds only JSON: the rendered consumer starts from the earliest offset.
            print(f"  broker with {side.label}: kafka-python end-to-end latency (contrast) ...", flush=True)
            side.figures["contrast"] = python_clients.latency(side.cluster, side.confs, None, args.rate, args.rate * 10)
            java_clients.settle()
        # Throughput first: its load also finishes warming both brokers before latency is measured.
        # Every producer round before any consumer round, so each consumer run reads all of them
        # (seconds of fetching, not the one second a single round's records take).
        for n in range(1, args.rounds + 1):
            print(f"  producer throughput, round {n} of {args.rounds}: {args.records:,} records to each broker ...",
                  flush=True)
            for side in turn(sides, n):
                side.figures["producer"].append(java_clients.producer_perf(
                    side.cluster, topic, side.produce, args.records, RECORD_BYTES)["eps"])
                java_clients.settle()
        for n in range(1, args.rounds + 1):
            print(f"  consumer throughput, round {n} of {args.rounds}: {args.records * args.rounds:,} records "
                  f"from each broker ...", flush=True)
            for side in turn(sides, n):
                consumed = java_clients.consumer_perf(side.cluster, topic, side.consume, args.records * args.rounds)
                side.figures["consumer"].append(consumed["eps"])
                side.figures["join"].append(consumed["join_ms"])
                java_clients.settle()
        # One unmeasured latency round first: throughput warms the brokers' bulk path, not the
        # one-record-per-request path, and a cold broker puts 150-400 ms into the first round's p99.
        for n in range(0, args.rounds + 1):
            what = "warm-up round, not counted" if n == 0 else f"round {n} of {args.rounds}"
            print(f"  latency, {what}: Java clients at {args.rate}/s against each broker, "
                  f"{args.warmup:.0f}s warm-up + {args.seconds:.0f}s measured ...", flush=True)
            for side in turn(sides, n):
                run = java_clients.end_to_end(side.cluster, topic, side.produce, side.consume, args.rate,
                                              args.warmup, args.seconds, RECORD_BYTES)
                side.figures["latency" if n else "cold"].append(run)
                java_clients.settle()
        ours.figures["heap"] = ours.cluster.broker.heap
        return tls, ours, stock
    finally:
        for side in sides:
            side.cluster.stop()


def rehearsal_figures() -> dict:
    from tests.rehearsal import scenario
    with scenario.Rehearsal("rehearsal-bench", "10.214.204.0/24") as r:
        r.ws.up()
        remotes = r.hosts()
        first = r.first_event(remotes["consumer"])
        figures = {"first_event_s": first, "runs": timeline.stage_runs(remotes, r.began_epoch),
                   "logstash": scenario.logstash_figures(r, remotes)}
        # A re-run that changes Logstash (its heap): its config check's JVM beside the running one.
        machines = r.logstash_machines()
        for machine in machines.values():
            scenario.peak_memory_reset(machine)
        r.ws.set("logstash.heapMb", "600")
        r.ws.up()
        figures["rerun_peak_mib"] = {role: scenario.peak_memory_mib(m) for role, m in machines.items()}
        return figures


def row(measure: str, ours: str, reference: str = "", ratio: str = "", goal: str = "") -> str:
    return f"{measure:<50}{ours:>12}{reference:>26}{ratio:>8}  {goal}"


def client_rows(ours: dict, stock: dict, args) -> list[str]:
    """Medians over the rounds (one stall of a shared 2-core machine moves a single run's p99), the worst max."""
    rows = []
    for client in ("producer", "consumer"):
        a, b = median(ours[client]), median(stock[client])
        rows.append(row(f"Java {client}, events/s", f"{a:,.0f}", f"stock broker {b:,.0f}", f"{a / b:.2f}",
                        ">= 0.95"))
    rows.append(row("Java consumer joining its group, ms", f"{median(ours['join']):,.0f}",
                    f"stock broker {median(stock['join']):,.0f}"))
    for q, goal in (("p50", ""), ("p99", "< 50")):
        a, b = median([r[q] for r in ours["latency"]]), median([r[q] for r in stock["latency"]])
        rows.append(row(f"Java end to end at {args.rate}/s, {q} ms", f"{a:.1f}", f"stock broker {b:.1f}", "", goal))
    a, b = max(r["max"] for r in ours["latency"]), max(r["max"] for r in stock["latency"])
    rows.append(row(f"Java end to end at {args.rate}/s, max ms", f"{a:.1f}", f"stock broker {b:.1f}"))
    con, scon = ours["contrast"], stock["contrast"]
    rows.append(row("kafka-python end to end (contrast), p50/p99 ms", f"{con['p50']:.1f}/{con['p99']:.1f}",
                    f"stock broker {scon['p50']:.1f}/{scon['p99']:.1f}"))
    def rounds(figures: dict) -> str:
        return (f"(warm-up {figures['cold'][0]['p99']:.1f}) "
                + ", ".join(f"{r['p99']:.1f}" for r in figures["latency"]))
    rows.append(f"  each round's Java p99 ms: ours {rounds(ours)}; stock broker {rounds(stock)}")
    return rows


def tls_rows(tls: dict, plain: dict, args) -> list[str]:
    """What kafka.security sasl_ssl (the default: TLS, SCRAM logins, the authorizer) costs beside
    the same rendered broker on plaintext."""
    rows = []
    for client, goal in (("producer", ">= 0.75"), ("consumer", "")):
        a, b = median(tls[client]), median(plain[client])
        rows.append(row(f"Java {client} with sasl_ssl, events/s", f"{a:,.0f}", f"plaintext {b:,.0f}", f"{a / b:.2f}",
                        goal))
    for q, goal in (("p50", ""), ("p99", "< 20")):
        a, b = median([r[q] for r in tls["latency"]]), median([r[q] for r in plain["latency"]])
        rows.append(row(f"Java end to end with sasl_ssl at {args.rate}/s, {q} ms", f"{a:.1f}", f"plaintext {b:.1f}",
                        "", goal))
    rows.append(row("Java consumer with sasl_ssl joining its group, ms", f"{median(tls['join']):,.0f}",
                    f"plaintext {median(plain['join']):,.0f}"))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--warmup", type=float, default=8, help="unmeasured start of each latency run (default 8)")
    p.add_argument("--seconds", type=float, default=15, help="measured length of each latency run (default 15)")
    p.add_argument("--rate", type=int, default=1000, help="events/s of the latency runs (default 1000)")
    p.add_argument("--records", type=int, default=300_000, help="records of each throughput run")
    p.add_argument("--rounds", type=int, default=3, help="runs of each measure per broker (median shown)")
    p.add_argument("--no-rehearsal", action="store_true", help="leave out the rehearsal (about 2 minutes)")
    args = p.parse_args(argv)
    began = time.monotonic()
    settings = make({}, stack="bench")
    print(f"Kafka {settings.kafka.version} in namespaces kp-jbtls-* (10.213.12.0/24), kp-jbour-* (10.213.7.0/24) "
          f"and kp-jbstk-* (10.213.8.0/24) ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="kp-bench-") as secrets:
        tls_side, ours_side, stock_side = java_figures(settings, Path(secrets), args)
    tls, ours, stock = tls_side.figures, ours_side.figures, stock_side.figures
    rehearsal = None if args.no_rehearsal else rehearsal_figures()

    dev = make({}, stack="dev")
    dev_cost, tutorial_cost = prices.hourly(cost.footprint(dev)), prices.hourly(cost.TUTORIAL)
    usd, tutorial = dev_cost["usdPerHour"], tutorial_cost["usdPerHour"]
    print()
    print(f"kafka-pipeline benchmarks, {datetime.date.today()}, {Path('/proc/cpuinfo').read_text().count('processor')} "
          f"cores; Kafka {settings.kafka.version}, broker heap {ours['heap']} MiB, {RECORD_BYTES} B records, "
          f"producer ns -> broker ns -> consumer ns")
    print("Java client settings from the rendered pipelines: producer "
          + ", ".join(f"{k}={v}" for k, v in sorted(ours_side.produce.items()) if k != "client.id")
          + "; consumer " + (", ".join(f"{k}={v}" for k, v in sorted(ours_side.consume.items())
                                      if k != "client.id") or "Logstash's defaults"))
    head = row(f"measure (median of {args.rounds} rounds)", "ours", "reference", "ratio", "goal")
    print(head)
    print("-" * len(head))
    for line in client_rows(ours, stock, args):
        print(line)
    for line in tls_rows(tls, ours, args):
        print(line)
    print(row(f"dev stack, USD/h in {prices.REGION}, all counted", f"{usd:.4f}", f"tutorial {tutorial:.4f}",
              f"{usd / tutorial:.2f}", "<= 0.5"))
    if rehearsal:
        print(row("rehearsal: up to first event at consumer, s", f"{rehearsal['first_event_s']:.0f}", "", "", "< 120"))
        for role, peak in rehearsal["rerun_peak_mib"].items():
            print(row(f"rehearsal: {role} peak memory in a re-run, MiB", f"{peak:.0f}", "t4g.small 2048", "",
                      "< 2048"))
    print(f"Prices: {prices.SOURCE} (read {prices.READ_ON}); not counted: {cost.NOT_COUNTED}.")
    for name, estimate in (("dev", dev_cost), ("tutorial", tutorial_cost)):
        print(f"  {name}: " + "; ".join(f"{line['count']} x {line['item']} {line['usdPerHour']:.4f}"
                                       for line in estimate["lines"]) + f" = {estimate['usdPerHour']:.4f} USD/h")
    print(f"Topics: {', '.join(t.name for t in all_topics(settings))}.")
    if rehearsal:
        print(f"Rehearsal, real {rehearsal['logstash']} (the first up; the re-run changed logstash.heapMb)")
        print("Rehearsal stage spans (seconds after up began):")
        print("\n".join(timeline.render(rehearsal["runs"], rehearsal["first_event_s"])))
    print(f"Total {time.monotonic() - began:.0f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
