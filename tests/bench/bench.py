#!/usr/bin/env python3
"""Benchmark: our producer settings between network namespaces, against Kafka's own ceiling.

    sudo .venv/bin/python tests/bench/bench.py [--seconds 8]

Sets up its own namespaces (kp-bn-*, 10.213.1.0/24) and a broker rendered from the default stack
settings (tests/integration harness), then prints one table:
  - producer throughput (events/s, MB/s) of ~1 KB Logstash-shaped JSON events sent as fast as
    possible from the producer namespace, with the rendered producer settings (acks, compression
    read back from the rendered pipeline) and with acks=all (and acks=1 when the default already is all);
  - end-to-end latency p50/p99 (producer namespace -> broker -> consumer namespace) of a paced stream;
  - org.apache.kafka.tools.ProducerPerformance from the same Maven jars, same broker, same events
    (--payload-file) and same acks/compression: the reference ceiling, and our ratio to it.
No assertions; bounded run time (about 1-2 minutes). Needs root, iproute2, Java 17+, the jars.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration import client, flow, jars  # noqa: E402
from tests.integration.broker import Cluster  # noqa: E402
from tests.settings import make  # noqa: E402

SIZE = 1024
MIB = 1024 * 1024
PERF_LINE = re.compile(r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
                       r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def throughput(cluster: Cluster, conf: Path, acks: str | None, seconds: float) -> dict:
    run = uuid.uuid4().hex[:8]
    extra = ("--size", str(SIZE)) + (("--acks", acks) if acks else ())
    extra += ("--duration", str(seconds), "--max-outstanding", "5000")
    r = flow.producer(cluster, conf, f"tput-{run}", 1_000_000, run, timeout=seconds + 60, extra=extra).result(seconds + 90)
    acked = len(r["acked"])
    return {"acks": r["config"]["acks"], "compression": r["config"]["compression_type"] or "none", "events": acked,
            "eps": acked / r["total_s"], "mbs": acked * r["event_bytes"] / r["total_s"] / MIB,
            "failed": len(r["failed"]), "event_bytes": r["event_bytes"]}


def latency(cluster: Cluster, confs: dict, acks: str | None, rate: int, count: int) -> dict:
    run = uuid.uuid4().hex[:8]
    consumer = flow.consumer(cluster, confs["consumer"], f"lat-c-{run}", until_count=count, timeout=60, run=run)
    consumer.wait_progress("received", 0, timeout=30)
    time.sleep(2)  # let the consumer finish joining its group before the clock starts
    extra = ("--size", str(SIZE)) + (("--acks", acks) if acks else ())
    flow.producer(cluster, confs["producer"], f"lat-p-{run}", count, run, rate=rate, timeout=60,
                  extra=extra).result(90)
    records = [r for r in consumer.result(90)["records"] if r[0] == run]
    lat = [r[5] for r in records[len(records) // 10:]]  # first 10% are warm-up
    return {"p50": percentile(lat, 50), "p99": percentile(lat, 99), "received": len(records)}


def perf(cluster: Cluster, topic: str, acks: str, compression: str, payload: Path, records: int) -> dict:
    props = [f"bootstrap.servers={cluster.broker.bootstrap}", f"acks={acks}", f"compression.type={compression}"]
    result = cluster.broker.java(jars.MAIN_CLASSES["perf"], [
        "--topic", topic, "--num-records", str(records), "--throughput", "-1", "--payload-file", str(payload),
        "--command-property", *props], timeout=120, host="producer", heap="-Xmx512m")
    match = None
    for line in result.stdout.splitlines():
        match = PERF_LINE.search(line) or match
    if result.returncode != 0 or not match:
        raise RuntimeError(f"ProducerPerformance failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    n, eps, mbs, _avg, _max, p50, _p95, p99 = match.groups()
    return {"events": int(n), "eps": float(eps), "mbs": float(mbs), "p50": float(p50), "p99": float(p99)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=6, help="length of each throughput run (default 6)")
    p.add_argument("--rate", type=int, default=1000, help="events/s of the paced latency runs (default 1000)")
    p.add_argument("--latency-events", type=int, default=3000)
    p.add_argument("--perf-records", type=int, default=200_000)
    args = p.parse_args(argv)

    settings = make({}, stack="bench")
    began = time.monotonic()
    cluster = Cluster(settings, tag="bn", subnet="10.213.1")
    print(f"Setting up Kafka {settings.kafka.version} ({settings.kafka.mode}) in namespaces kp-bn-* ...", flush=True)
    try:
        cluster.start()
        cluster.broker.create_topics()
        confs = flow.render_pipelines(cluster, settings)
        rendered = client.kafka_output(str(confs["producer"]))
        default_acks = str(rendered["acks"])
        variants = [(None, f"rendered default (acks={default_acks})"), ("all", "acks=all")]
        if default_acks == "all":
            variants.append(("1", "acks=1 (for contrast)"))
        lats = []
        for acks, label in variants:  # latency first: the consumer group then never has a backlog to skip
            print(f"  {label}: end-to-end latency at {args.rate} ev/s ...", flush=True)
            lats.append(latency(cluster, confs, acks, args.rate, args.latency_events))
        rows = []
        for (acks, label), lat in zip(variants, lats):
            print(f"  {label}: throughput for {args.seconds:.0f}s ...", flush=True)
            rows.append((label, throughput(cluster, confs["producer"], acks, args.seconds), lat))
        payload = cluster.hosts["producer"].root / "run" / "payload.txt"
        payload.write_bytes(b"\n".join(client.event("perf", i, "producer", client.sized_pad("perf", "producer", SIZE))
                                       for i in range(2000)))
        acks0, comp0 = rows[0][1]["acks"], rows[0][1]["compression"]
        print(f"  Kafka ProducerPerformance ({args.perf_records} records, acks={acks0}, {comp0}) ...", flush=True)
        ref = perf(cluster, settings.producer.topic, str(acks0), comp0, payload, args.perf_records)
    finally:
        cluster.stop()

    print()
    print(f"Kafka {settings.kafka.version} {settings.kafka.mode}, broker heap {cluster.broker.heap} MiB, topic "
          f"{settings.producer.topic}, ~{rows[0][1]['event_bytes']} B JSON events, producer ns -> broker ns -> consumer ns")
    head = f"{'producer':<44}{'acks':>5}{'compr':>7}{'events':>9}{'events/s':>11}{'MB/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'vs perf':>9}"
    print(head)
    print("-" * len(head))
    for label, t, lat in rows:
        print(f"{'kafka-python, ' + label:<44}{str(t['acks']):>5}{t['compression']:>7}{t['events']:>9}"
              f"{t['eps']:>11.0f}{t['mbs']:>8.2f}{lat['p50']:>9.1f}{lat['p99']:>9.1f}{t['eps'] / ref['eps']:>8.1%}")
    print(f"{'Kafka ProducerPerformance (reference)':<44}{str(acks0):>5}{comp0:>7}{ref['events']:>9}{ref['eps']:>11.0f}"
          f"{ref['mbs']:>8.2f}{ref['p50']:>9.1f}{ref['p99']:>9.1f}{1:>8.0%}")
    print(f"p50/p99: end to end (send -> consumer) for kafka-python at {args.rate} ev/s; send -> ack at full speed "
          f"for ProducerPerformance. MB = MiB. Total {time.monotonic() - began:.0f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
