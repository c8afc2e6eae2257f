"""Inputs: each runs in its own thread, pushes chunks of events into the queue, and returns when
the pipeline stops or (generator with a count) when it has nothing more to give."""
from __future__ import annotations

import glob
import hashlib
import os
import threading
import time
import traceback
from typing import Any

from kafka import KafkaConsumer
from kafka.errors import KafkaError, KafkaTimeoutError

from standin import codec as codecs
from standin import kafka_io
from standin.config import Configured
from standin.logs import Logger
from standin.plumbing import Chunk, Context


class Generator:
    def __init__(self, options: dict[str, Any], ctx: Context):
        self.message = options["message"].encode()
        self.count = options["count"]
        self.codec = codecs.build(options["codec"])
        self.ctx = ctx

    def run(self) -> None:
        sequence = 0
        while not self.ctx.stopping.is_set() and (self.count == 0 or sequence < self.count):
            events = self.codec.decode(self.message)
            for event in events:
                # ECS off: the generator's own fields are `host` and `sequence`, unless the message set them.
                event.setdefault("host", self.ctx.hostname)
                event.setdefault("sequence", sequence)
            if not self.ctx.push(events):
                return
            sequence += 1


class Off:
    """An input the stand-in accepts and checks but cannot run without the internet."""

    def __init__(self, name: str, options: dict[str, Any], ctx: Context):
        self.name, self.ctx = name, ctx

    def run(self) -> None:
        Logger(f"logstash.inputs.{self.name}", "main").warn(
            f"the {self.name} input is off in the Logstash stand-in (no internet): it produces no events")
        self.ctx.stopping.wait()


class File:
    """Tail mode: lines appended to the matching files, each an event; how far each file was read is
    kept in a sincedb under path.data, so a restart resumes where it stopped."""

    def __init__(self, options: dict[str, Any], ctx: Context):
        self.patterns = options["path"]
        self.from_end = options["start_position"] == "end"
        self.codec = codecs.build(options["codec"])
        self.ctx = ctx
        # Logstash's name for it: .sincedb_ + the MD5 of the paths joined with commas.
        digest = hashlib.md5(",".join(self.patterns).encode()).hexdigest()
        self.sincedb = ctx.data_dir / "plugins" / "inputs" / "file" / f".sincedb_{digest}"
        self.positions: dict[tuple[int, int], tuple[int, str]] = self.read_sincedb()  # (dev, inode) -> (pos, path)

    def read_sincedb(self) -> dict[tuple[int, int], tuple[int, str]]:
        positions = {}
        if self.sincedb.exists():
            for line in self.sincedb.read_text().splitlines():
                inode, _major, dev, pos, _when, path = line.split(" ", 5)
                positions[(int(dev), int(inode))] = (int(pos), path)
        return positions

    def write_sincedb(self) -> None:
        self.sincedb.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.sincedb.with_name(self.sincedb.name + ".tmp")
        now = time.time()
        tmp.write_text("".join(f"{inode} 0 {dev} {pos} {now:.3f} {path}\n"
                               for (dev, inode), (pos, path) in self.positions.items()))
        os.replace(tmp, self.sincedb)

    def run(self) -> None:
        first = True
        while not self.ctx.stopping.is_set():
            changed = False
            for path in sorted({p for pattern in self.patterns for p in glob.glob(pattern)}):
                changed |= self.read_new_lines(path, first)
            if changed:
                self.write_sincedb()
            first = False
            self.ctx.stopping.wait(1)

    def read_new_lines(self, path: str, first_scan: bool) -> bool:
        try:
            stat = os.stat(path)
            if not os.path.isfile(path):
                return False
            key = (stat.st_dev, stat.st_ino)
            if key not in self.positions:
                # start_position applies to files there at start-up; files that appear later are read whole.
                self.positions[key] = (stat.st_size if first_scan and self.from_end else 0, path)
            pos = self.positions[key][0]
            if stat.st_size < pos:
                pos = 0  # truncated: read again from the start
            if stat.st_size == pos:
                self.positions[key] = (pos, path)
                return False
            with open(path, "rb") as f:
                f.seek(pos)
                data = f.read(stat.st_size - pos)
        except OSError:
            return False
        complete = data[:data.rfind(b"\n") + 1]  # a line is read once its newline is written
        events = []
        for line in complete.split(b"\n")[:-1]:
            for event in self.codec.decode(line):
                event.setdefault("path", path)
                event.setdefault("host", self.ctx.hostname)
                events.append(event)
        if events and not self.ctx.push(events):
            return False
        self.positions[key] = (pos + len(complete), path)
        return bool(complete)


class Kafka:
    """One consumer per consumer_threads in the group. At least once: a poll's events are queued,
    and their offsets committed only once every output has handled them."""

    def __init__(self, options: dict[str, Any], ctx: Context):
        self.options, self.ctx = options, ctx
        self.codec = codecs.build(options["codec"])
        self.servers = kafka_io.addresses(options["bootstrap_servers"])
        self.log = Logger("logstash.inputs.kafka", "main")

    def run(self) -> None:
        threads = [threading.Thread(target=self.consume, args=(i,), name=f"kafka-input-{i}", daemon=True)
                   for i in range(self.options["consumer_threads"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def consume(self, index: int) -> None:
        """One consumer thread. An unexpected error closes its consumer and starts a new one a second
        later, as Logstash restarts a failed plugin; the group hands its partitions on meanwhile."""
        client_id = f"{self.options['client_id']}-{index}"  # Logstash numbers its consumer threads
        while not self.ctx.stopping.is_set() and not self.ctx.queue.closed:
            try:
                self.consume_as(client_id)
            except Exception:  # noqa: BLE001 - any error: log it, start again
                self.log.error(f"consumer {client_id} failed, restarting it\n{traceback.format_exc()}")
                self.ctx.stopping.wait(1)

    def consume_as(self, client_id: str) -> None:
        consumer = self.connect(client_id)
        if consumer is None:
            return
        try:
            while not self.ctx.stopping.is_set():
                try:
                    batch = consumer.poll(timeout_ms=kafka_io.POLL_TIMEOUT_MS)
                except KafkaError as error:
                    self.log.warn(f"poll failed, retrying: {error!r}")
                    self.ctx.stopping.wait(1)
                    continue
                records = [r for rs in batch.values() for r in rs]
                if not records:
                    continue
                chunk = self.ctx.push([e for r in records for e in self.events(r)])
                if chunk is None or not self.wait_done(chunk):
                    return  # the pipeline died before handling them: their offsets stay uncommitted
                self.commit(consumer)
        finally:
            consumer.close(autocommit=False)

    def connect(self, client_id: str) -> KafkaConsumer | None:
        while kafka_io.wait_for_broker(self.servers, self.ctx.stopping):
            try:
                consumer = KafkaConsumer(
                    bootstrap_servers=self.servers, group_id=self.options["group_id"], client_id=client_id,
                    auto_offset_reset=self.options["auto_offset_reset"], enable_auto_commit=False,
                    **kafka_io.JAVA_CLIENT_DEFAULTS, **kafka_io.CONSUMER_DEFAULTS)
            except KafkaError as error:
                self.log.warn(f"consumer {client_id} could not start, retrying: {error}")
                self.ctx.stopping.wait(1)
                continue
            if not self.wait_for_topics(consumer):
                consumer.close(autocommit=False)
                return None
            consumer.subscribe(self.options["topics"])
            self.log.info(f"consumer {client_id} of group {self.options['group_id']} subscribed to "
                          f"{self.options['topics']}")
            return consumer
        return None

    def wait_for_topics(self, consumer: KafkaConsumer) -> bool:
        """Block until every subscribed topic exists (True) or the pipeline stops (False).

        The Java client keeps asking for a missing subscribed topic's metadata and joins its partitions
        once it appears; kafka-python may join the group with no partitions and not look again for
        metadata.max.age.ms (5 min). The hosts start Logstash while the broker's topics stage runs."""
        wanted, logged = set(self.options["topics"]), False
        while not self.ctx.stopping.is_set():
            try:
                missing = wanted - consumer.topics()
            except KafkaError as error:
                missing = {f"(metadata: {error!r})"}
            if not missing:
                return True
            if not logged:
                self.log.warn(f"subscribed topics not in the cluster yet, waiting: {sorted(missing)}")
                logged = True
            self.ctx.stopping.wait(1)
        return False

    def events(self, record: Any) -> list[dict[str, Any]]:
        if record.value is None:
            return []
        events = self.codec.decode(record.value)
        if self.options["decorate_events"] != "none":
            for event in events:
                kafka = event.setdefault("@metadata", {}).setdefault("kafka", {})
                kafka.update(topic=record.topic, consumer_group=self.options["group_id"],
                             partition=record.partition, offset=record.offset,
                             key=record.key.decode("utf-8", "replace") if record.key is not None else None,
                             timestamp=record.timestamp)
                if self.options["decorate_events"] == "extended":
                    kafka["headers"] = {k: v.decode("utf-8", "replace") for k, v in record.headers or []}
        return events

    def wait_done(self, chunk: Chunk) -> bool:
        while not chunk.done.wait(0.2):
            if self.ctx.queue.closed:
                return False
        return True

    def commit(self, consumer: KafkaConsumer) -> None:
        """Sync commit of the positions; while the coordinator is away, retried (bounded once stopping)."""
        while True:
            try:
                consumer.commit(timeout_ms=5000)
                return
            except KafkaTimeoutError:
                if self.ctx.stopping.is_set():
                    self.log.warn("could not commit offsets before stopping; the last events will be delivered again")
                    return
                self.log.warn("offset commit timed out (coordinator unavailable?), retrying")
            except KafkaError as error:
                # Typically a rebalance meanwhile: the partitions' new owner reads these again (at least once).
                self.log.warn(f"offset commit failed, the events may be delivered again: {error!r}")
                return


def build(configured: Configured, ctx: Context) -> Any:
    if configured.name in ("http_poller", "twitter"):
        return Off(configured.name, configured.options, ctx)
    return {"generator": Generator, "file": File, "kafka": Kafka}[configured.name](configured.options, ctx)
