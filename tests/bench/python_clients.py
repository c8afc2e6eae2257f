"""kafka-python between the namespaces, with the rendered producer settings: a labelled contrast
only. No pipeline runs kafka-python (Logstash's kafka plugins are the Java client), so these rows
show a client's cost, not the pipeline's."""
from __future__ import annotations

import time
import uuid
from pathlib import Path

from tests.integration import flow
from tests.integration.broker import Cluster

SIZE = 1024
MIB = 1024 * 1024


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
