"""Outputs: `receive(events)` on the pipeline's worker, returning once the events are handled (for
kafka: acknowledged by the broker), and `close()` at shutdown."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from standin import codec as codecs
from standin import event as ev
from standin import kafka_io, logs
from standin.config import Configured
from standin.logs import Logger


class Stdout:
    def __init__(self, options: dict[str, Any]):
        self.codec = codecs.build(options["codec"])

    def receive(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            logs.write(self.codec.encode(event))  # flushed per event: journald shows it at once

    def close(self) -> None:
        pass


class File:
    """Appends each event's encoding to the file its sprintf'ed path names, creating folders.
    Opened and closed per batch, so a file removed or rotated meanwhile is simply created again."""

    def __init__(self, options: dict[str, Any]):
        self.path, self.codec = options["path"], codecs.build(options["codec"])

    def receive(self, events: list[dict[str, Any]]) -> None:
        by_path: dict[str, list[str]] = {}
        for event in events:
            by_path.setdefault(ev.sprintf(event, self.path), []).append(self.codec.encode(event))
        for path, texts in by_path.items():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as f:
                f.write("".join(texts))

    def close(self) -> None:
        pass


class Ledger:
    """<path.data>/standin/acked.json, {"runs": [{"started": ISO, "acked": N, "dropped": M}, ...]}: how many
    events the broker acknowledged (with acks 0: sent) in each run of this data dir. Rewritten every
    second and at close, so after a crash it may count too few, never too many: tests that prove no
    acknowledged event was lost stay sound."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / "standin" / "acked.json"
        runs = json.loads(self.path.read_text())["runs"] if self.path.exists() else []
        self.run = {"started": ev.iso(ev.now()), "acked": 0, "dropped": 0}
        self.runs = [*runs, self.run]
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.write()
        self.writer = threading.Thread(target=self.keep_writing, name="acked-ledger", daemon=True)
        self.writer.start()

    def add(self, acked: int, dropped: int) -> None:
        with self.lock:
            self.run["acked"] += acked
            self.run["dropped"] += dropped

    def keep_writing(self) -> None:
        while not self.closing.wait(1):
            self.write()

    def write(self) -> None:
        with self.lock:
            text = json.dumps({"runs": self.runs}, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.path)

    def close(self) -> None:
        self.closing.set()
        self.writer.join()
        self.write()


class Kafka:
    """Sends each batch and waits for every acknowledgement. Retriable failures are sent again, for
    ever: with the broker away the worker blocks and the inputs with it (back-pressure), as Logstash's
    kafka output does. A failure Kafka calls final is logged with the count of events dropped."""

    def __init__(self, options: dict[str, Any], ledger: Ledger):
        self.options, self.ledger = options, ledger
        self.codec = codecs.build(options["codec"])
        self.servers = kafka_io.addresses(options["bootstrap_servers"])
        self.producer: KafkaProducer | None = None
        self.log = Logger("logstash.outputs.kafka", "main")

    def connect(self) -> KafkaProducer:
        acks = self.options["acks"]
        compression = self.options["compression_type"]
        never = threading.Event()  # events are waiting: give up never, as the Java client does
        while self.producer is None:
            kafka_io.wait_for_broker(self.servers, never)
            try:
                self.producer = KafkaProducer(
                    bootstrap_servers=self.servers, client_id=self.options["client_id"],
                    acks="all" if acks == "all" else int(acks),
                    compression_type=None if compression == "none" else compression,
                    linger_ms=self.options["linger_ms"], batch_size=self.options["batch_size"],
                    # The Java client turns idempotence on by default, and only acks=all allows it.
                    enable_idempotence=acks == "all", **kafka_io.JAVA_CLIENT_DEFAULTS)
            except KafkaError as error:
                self.log.warn(f"producer could not start, retrying: {error}")
                time.sleep(1)
        return self.producer

    def receive(self, events: list[dict[str, Any]]) -> None:
        pending = [(ev.sprintf(e, self.options["topic_id"]), self.codec.encode(e).encode()) for e in events]
        while pending:
            producer = self.connect()
            sent, failed = [], []
            for i, item in enumerate(pending):
                try:
                    sent.append((item, producer.send(item[0], value=item[1])))
                except KafkaError as error:
                    # No metadata within max_block_ms: the rest would wait as long; try them all again later.
                    failed.extend((rest, error) for rest in pending[i:])
                    break
            acked = dropped = 0
            for item, future in sent:
                try:
                    future.get()
                    acked += 1
                except KafkaError as error:
                    if error.retriable:
                        failed.append((item, error))
                    else:
                        dropped += 1
                        self.log.error(f"send to {item[0]} failed for good, event dropped: {error!r}")
            self.ledger.add(acked, dropped)
            if failed:
                self.log.warn(f"{len(failed)} of {len(pending)} events not acknowledged ({failed[0][1]!r}); "
                              "sending them again")
                time.sleep(0.1)
            pending = [item for item, _ in failed]

    def close(self) -> None:
        if self.producer is not None:
            self.producer.close(timeout=10)
        self.ledger.close()


class OpenSearchOff:
    """Accepted and checked, but the stand-in has no OpenSearch: it counts what it did not send."""

    def __init__(self, options: dict[str, Any]):
        self.log = Logger("logstash.outputs.opensearch", "main")
        self.log.warn(f"the opensearch output is off in the Logstash stand-in: events for {options['hosts']} "
                      "are counted, not sent")
        self.unsent = 0
        self.logged_at = 0.0

    def receive(self, events: list[dict[str, Any]]) -> None:
        self.unsent += len(events)
        if time.monotonic() - self.logged_at > 10:
            self.logged_at = time.monotonic()
            self.report()

    def report(self) -> None:
        self.log.warn(f"opensearch output (off in the stand-in): {self.unsent} events not sent so far")

    def close(self) -> None:
        self.report()


def build(configured: list[Configured], data_dir: Path) -> list[Any]:
    ledger = Ledger(data_dir) if any(c.name == "kafka" for c in configured) else None
    plain = {"stdout": Stdout, "file": File, "opensearch": OpenSearchOff}
    return [Kafka(c.options, ledger) if c.name == "kafka" else plain[c.name](c.options) for c in configured]
