"""kafka-python between the namespaces, with the rendered producer settings: a labelled contrast
only. No pipeline runs kafka-python (Logstash's kafka plugins are the Java client), so these rows
show a client's cost, not the pipeline's."""
from __future__ import annotations

import time
import uuid

from tests.integration import flow
from tests.integration.broker import Cluster

SIZE = 1024


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


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
