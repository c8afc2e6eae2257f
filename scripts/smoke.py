#!/usr/bin/env python3
"""Smoke test of a deployed pipeline's broker: produce one canary event, read it back.

    python scripts/smoke.py                      # bootstrap/topic from `pulumi stack output`
    python scripts/smoke.py --bootstrap localhost:9094 --topic twitter --timeout 30

The bootstrap defaults to the stack output `operatorBootstrap` (the brokers' operator listeners,
reached through one SSH tunnel per broker: localhost:9094, 9095, ...), the topics to every one of
`topics` (in a class, every student's).
The canary is a JSON event shaped like Logstash's json codec output with a unique id, written to
every partition of the topic (so every partition leader is reached) and read back from the exact
offsets the brokers acknowledged, without joining any consumer group (the pipeline's offsets are
untouched). Prints one line, exits 0 (OK) or 1 (FAIL). Every
step is bounded by --timeout, and a watchdog ends the process if a client call ever is not.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone


def fail(message: str) -> int:
    print(f"FAIL: {message}", flush=True)
    return 1


def stack_output(name: str, stack: str | None, timeout: float, as_json: bool = False) -> str:
    if not shutil.which("pulumi"):
        raise RuntimeError(f"pulumi is not on PATH; pass --{'bootstrap' if name == 'operatorBootstrap' else 'topic'}")
    argv = ["pulumi", "stack", "output", name] + (["--json"] if as_json else []) + (["--stack", stack] if stack else [])
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"`{' '.join(argv)}` did not answer within {timeout:.0f}s") from None
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"`{' '.join(argv)}` failed: {(result.stderr or result.stdout).strip()[:300]}")
    return result.stdout.strip()


def canary(canary_id: str) -> bytes:
    now = datetime.now(timezone.utc)
    return json.dumps({
        "@timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "@version": "1",
        "message": "kafka-pipeline smoke canary",
        "host": {"name": os.uname().nodename},
        "tags": ["smoke"],
        "canary_id": canary_id,
    }, separators=(",", ":")).encode()


def check(bootstrap: str, topics: list[str], timeout: float) -> tuple[bool, str]:
    """A canary into every partition of every topic, each read back from the offset its leader
    acknowledged: with several brokers every partition leader is reached under the address it
    advertises, and in a class every student's topic is checked."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout

    def left_ms() -> int:
        return max(100, int((deadline - time.monotonic()) * 1000))

    common = {"bootstrap_servers": bootstrap.split(","), "client_id": "kafka-pipeline-smoke",
              "request_timeout_ms": min(left_ms(), 10_000), "reconnect_backoff_max_ms": 1000,
              "bootstrap_timeout_ms": min(left_ms(), 10_000)}
    canary_id = uuid.uuid4().hex
    began = time.monotonic()
    try:
        producer = KafkaProducer(acks="all", max_block_ms=left_ms(), delivery_timeout_ms=max(left_ms(), 1000),
                                 linger_ms=0, **common)
    except KafkaError as error:
        return False, f"cannot reach the broker at {bootstrap}: {error!r}"
    written: dict[TopicPartition, int] = {}
    try:
        for topic in topics:
            partitions = sorted(producer.partitions_for(topic) or ())
            if not partitions:
                return False, f"topic {topic} has no partitions at {bootstrap}"
            for p in partitions:
                md = producer.send(topic, canary(canary_id), partition=p).get(timeout=left_ms() / 1000)
                written[TopicPartition(topic, p)] = md.offset
    except KafkaError as error:
        return False, f"producing the canary to {topic} at {bootstrap} failed: {error!r}"
    finally:
        producer.close(timeout=2)
    try:
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, **common)
    except KafkaError as error:
        return False, f"canary written ({len(written)} partitions) but the consumer cannot connect: {error!r}"
    wanted = dict(written)
    try:
        consumer.assign(list(wanted))
        for tp, offset in wanted.items():
            consumer.seek(tp, offset)
        while wanted and time.monotonic() < deadline:
            for tp, messages in consumer.poll(timeout_ms=min(500, left_ms()), max_records=50).items():
                for msg in messages:
                    if wanted.get(tp) == msg.offset:
                        if json.loads(msg.value).get("canary_id") != canary_id:
                            return False, f"offset {msg.offset} of {tp.topic}[{tp.partition}] holds another event"
                        del wanted[tp]
    except KafkaError as error:
        return False, f"reading the canary back failed: {error!r}"
    finally:
        consumer.close(autocommit=False)
    if wanted:
        missing = ", ".join(f"{tp.topic}[{tp.partition}]@{o}" for tp, o in wanted.items())
        return False, f"canary {canary_id} written but {missing} not read back within {timeout:.0f}s"
    places = "; ".join(f"topic {t} partition@offset " + ", ".join(f"{tp.partition}@{o}" for tp, o in written.items()
                                                                  if tp.topic == t) for t in topics)
    return True, f"canary {canary_id} round-trip via {bootstrap} {places} in {time.monotonic() - began:.2f}s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap", help="host:port (default: pulumi stack output operatorBootstrap)")
    p.add_argument("--topic", help="one topic (default: every topic of pulumi stack output topics)")
    p.add_argument("--stack", help="the Pulumi stack to read outputs from")
    p.add_argument("--timeout", type=float, default=30, help="seconds for the whole check (default 30)")
    args = p.parse_args(argv)
    if args.timeout <= 0:
        return fail("--timeout must be positive")

    # Hard stop: no client call may hold the process past the budget.
    def watchdog() -> None:
        print(f"FAIL: no answer within {args.timeout:.0f}s (watchdog)", flush=True)
        os._exit(1)
    timer = threading.Timer(args.timeout + 15, watchdog)
    timer.daemon = True
    timer.start()

    try:
        bootstrap = args.bootstrap or stack_output("operatorBootstrap", args.stack, min(30, args.timeout))
        if args.topic:
            topics = [args.topic]
        else:
            topics = json.loads(stack_output("topics", args.stack, min(30, args.timeout), as_json=True))
            if not isinstance(topics, list) or not topics:
                return fail(f"stack output topics is not a non-empty list: {topics!r}")
    except (RuntimeError, ValueError) as error:
        return fail(str(error))
    try:
        ok, message = check(bootstrap, topics, args.timeout)
    except Exception as error:  # noqa: BLE001 - one clear line, never a traceback
        ok, message = False, f"{type(error).__name__}: {error}"
    print(f"{'OK' if ok else 'FAIL'}: {message}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
