"""Kafka clients that stand in for Logstash, run inside a namespace:

    python -m tests.integration.client produce  --conf pipeline.conf --count N --out result.json ...
    python -m tests.integration.client consume  --conf pipeline.conf --out result.json ...
    python -m tests.integration.client describe --bootstrap HOST:PORT --topics a,b

Every option the RENDERED pipeline gives Logstash's kafka plugin is mapped to kafka-python here
(producer_config, consumer_config), and an option with no mapping fails the test instead of being
dropped. Where the pipeline leaves an option out, the client does what Logstash's plugin does
(logstash-integration-kafka 11.8.7, the release in Logstash 9.2.8: its `config` declarations and the
Java client's defaults they defer to), spelled out where kafka-python's defaults differ. So the
consumer auto-commits every 5 s, as Logstash does, and a stop is graceful only through close().
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from components.logstash.lscl import Plugin, Ref
from components.logstash.parse import parse

class UnmappedOption(AssertionError):
    """A rendered option the stand-in client does not reproduce: map it, or the test describes the
    harness instead of the pipeline."""


# The Java client's, where kafka-python's differ: reconnect backoff capped at 1 s.
JAVA_CLIENT_DEFAULTS = {"reconnect_backoff_max_ms": 1000}
# logstash-integration-kafka's output where our pipeline sets nothing: `retries` unset means the
# Java client's Integer.MAX_VALUE and Logstash's own retry loop, never a dropped event.
LOGSTASH_PRODUCER_DEFAULTS = {"retries": 2**31 - 1}
# Its input: enable_auto_commit => true, auto_commit_interval_ms => 5000, max_poll_records => 500.
LOGSTASH_CONSUMER_DEFAULTS = {"enable_auto_commit": True, "auto_commit_interval_ms": 5000, "max_poll_records": 500}


def _json_codec(value) -> dict:
    if not (isinstance(value, Plugin) and value.name == "json"):
        raise UnmappedOption(f"codec {value!r}: the stand-in clients read and write JSON events only")
    return {}


def _acks(value) -> dict:
    acks = str(value)
    # The Java client turns idempotence on by default, and only acks=all allows it.
    return {"acks": "all" if acks == "all" else int(acks), "enable_idempotence": acks == "all"}


# Rendered kafka output option -> kafka-python producer settings ({}: handled by the client itself).
PRODUCER_OPTIONS = {
    "bootstrap_servers": lambda v: {"bootstrap_servers": str(v).split(",")},
    "topic_id": lambda v: {},  # the topic every send goes to
    "codec": _json_codec,
    "acks": _acks,
    "compression_type": lambda v: {"compression_type": None if v == "none" else str(v)},
    "linger_ms": lambda v: {"linger_ms": int(v)},
    "batch_size": lambda v: {"batch_size": int(v)},
    "client_id": lambda v: {"client_id": str(v)},
}

# Rendered kafka input option -> kafka-python consumer settings.
CONSUMER_OPTIONS = {
    "bootstrap_servers": lambda v: {"bootstrap_servers": str(v).split(",")},
    "topics": lambda v: {},  # subscribed to
    "codec": _json_codec,
    "group_id": lambda v: {"group_id": str(v)},
    "client_id": lambda v: {"client_id": str(v)},
    "auto_offset_reset": lambda v: {"auto_offset_reset": str(v)},
    "enable_auto_commit": lambda v: {"enable_auto_commit": str(v).lower() == "true"},
    "auto_commit_interval_ms": lambda v: {"auto_commit_interval_ms": int(v)},
    "max_poll_records": lambda v: {"max_poll_records": int(v)},
    # Threads are members of one group that split the partitions among them: what is committed and
    # the order within a partition are the same with one member reading them all.
    "consumer_threads": lambda v: {},
    # [@metadata][kafka] fields on each event inside Logstash: nothing on the wire, nothing printed.
    "decorate_events": lambda v: {},
}


# Beside a simulated host's files: the environment its secrets file gives Logstash (Host.save).
ENV_FILE = "kp-secrets-env.json"


@dataclass(frozen=True)
class Host:
    """What a rendered pipeline refers to on its host besides its own text: files by their paths (the
    CA it trusts, a JAAS file), found here under `root`, and the secrets' environment its `${...}`
    references resolve from."""
    root: Path = Path("/")
    env: Mapping[str, str] = field(default_factory=dict)

    def path(self, path: str) -> str:
        return str(self.root / path.lstrip("/"))

    def save(self) -> None:
        """The secrets' environment, for a client run in the host's namespace (Host.load)."""
        path = self.root / ENV_FILE
        path.write_text(json.dumps(dict(self.env)))
        path.chmod(0o600)

    @classmethod
    def load(cls, root: str) -> "Host":
        path = Path(root) / ENV_FILE
        return cls(Path(root), json.loads(path.read_text()) if path.exists() else {})

    def resolve(self, value) -> str:
        """A `${NAME}` reference from the secrets' environment, as Logstash resolves it."""
        if not isinstance(value, Ref):
            return str(value)
        if value.name not in self.env:
            raise UnmappedOption(f"the pipeline refers to ${{{value.name}}}, which its host's secrets do not hold")
        return self.env[value.name]


def _scram_login(jaas: str) -> dict:
    """kafka-python's SCRAM login from a JAAS line (or a JAAS file's KafkaClient section)."""
    found = dict(re.findall(r'(username|password)="([^"]*)"', jaas))
    if "ScramLoginModule" not in jaas or set(found) != {"username", "password"}:
        raise UnmappedOption("a JAAS login other than SCRAM with a username and password")
    return {"sasl_plain_username": found["username"], "sasl_plain_password": found["password"]}


def _pem_only(value) -> dict:
    if str(value) != "PEM":
        raise UnmappedOption(f"ssl_truststore_type {value}: kafka-python trusts PEM files only")
    return {}


# Rendered login options (kafka.security sasl_ssl), the same on either plugin; each also gets the host.
LOGIN_OPTIONS = {
    "security_protocol": lambda v, host: {"security_protocol": str(v)},
    "sasl_mechanism": lambda v, host: {"sasl_mechanism": str(v)},
    "ssl_truststore_type": lambda v, host: _pem_only(v),
    "ssl_truststore_location": lambda v, host: {"ssl_cafile": host.path(str(v))},
    "jaas_path": lambda v, host: _scram_login(Path(host.path(str(v))).read_text()),
    "sasl_jaas_config": lambda v, host: _scram_login(host.resolve(v)),
}


def _mapped(options: dict, table: dict, role: str, host: Host) -> dict:
    unmapped = sorted(set(options) - set(table) - set(LOGIN_OPTIONS))
    if unmapped:
        raise UnmappedOption(f"the rendered {role} sets {', '.join(unmapped)}, which the stand-in client does not "
                             f"reproduce: map it in tests/integration/client.py")
    config: dict = {}
    for key, value in options.items():
        config.update(table[key](value) if key in table else LOGIN_OPTIONS[key](value, host))
    return config


def login_config(options: dict, host: Host) -> dict:
    """Only the rendered login's settings: for a reader that is not the pipeline's own client (its
    offsets, its topic's ends) but logs in as it."""
    return _mapped({k: v for k, v in options.items() if k in LOGIN_OPTIONS}, {}, "login", host)


def kafka_output(conf: str) -> dict:
    pipeline = parse(Path(conf).read_text())
    out = pipeline.outputs[0]
    assert isinstance(out, Plugin) and out.name == "kafka", f"{conf}: outputs[0] is {out.name}, not kafka"
    return dict(out.options)


def kafka_input(conf: str) -> dict:
    pipeline = parse(Path(conf).read_text())
    inp = pipeline.inputs[0]
    assert isinstance(inp, Plugin) and inp.name == "kafka", f"{conf}: inputs[0] is {inp.name}, not kafka"
    return dict(inp.options)


def producer_config(options: dict, acks_override: str | None = None, host: Host = Host()) -> dict:
    """kafka-python producer settings for a rendered kafka output, as Logstash would run it on `host`."""
    rendered = {**options, **({"acks": acks_override} if acks_override else {})}
    return {"client_id": "logstash", **JAVA_CLIENT_DEFAULTS, **LOGSTASH_PRODUCER_DEFAULTS,
            **_acks("1"), **_mapped(rendered, PRODUCER_OPTIONS, "kafka output", host)}


def consumer_config(options: dict, host: Host = Host()) -> dict:
    """kafka-python consumer settings for a rendered kafka input, as Logstash would run it on `host`."""
    return {"client_id": "logstash", "auto_offset_reset": "latest", **JAVA_CLIENT_DEFAULTS,
            **LOGSTASH_CONSUMER_DEFAULTS, **_mapped(options, CONSUMER_OPTIONS, "kafka input", host)}


# Padding text: letters from a fixed pseudo-random pool, so padded events compress like text, not like "xxxx".
_POOL = "".join(__import__("random").Random(7).choices("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789", k=65536))


def event(run: str, seq: int, host: str, pad: int = 0) -> bytes:
    """One event as Logstash's json codec writes it (generator input: message, event.sequence)."""
    now = datetime.now(timezone.utc)
    body = {
        "@timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "@version": "1",
        "message": json.dumps({"sensor": "lab-1", "reading": seq % 100}) + _pad(seq, pad),
        "host": {"name": host},
        "event": {"sequence": seq, "original": f"{run}"},
        "sent_ns": time.time_ns(),
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _pad(seq: int, n: int) -> str:
    if not n:
        return ""
    start = (seq * 7919) % (len(_POOL) - n)
    return " " + _POOL[start:start + n - 1]


def sized_pad(run: str, host: str, size: int) -> int:
    return max(0, size - len(event(run, 0, host)))


def write_json(path: str, data: object) -> None:
    tmp = f"{path}.tmp"
    Path(tmp).write_text(json.dumps(data))
    os.replace(tmp, path)


def produce(args: argparse.Namespace) -> int:
    options = kafka_output(args.conf)
    config = producer_config(options, args.acks, Host.load(args.host_root))
    topic = options["topic_id"]
    host = socket.gethostname() if args.host is None else args.host
    pad = sized_pad(args.run, host, args.size) if args.size else 0
    producer = KafkaProducer(**config)
    lock = threading.Lock()
    acked: dict[int, list[int]] = {}
    failed: dict[int, str] = {}

    def ok(seq: int, md) -> None:
        with lock:
            acked[seq] = [md.partition, md.offset]

    def err(seq: int, exc: BaseException) -> None:
        with lock:
            failed[seq] = repr(exc)

    began = time.monotonic()
    deadline = began + args.timeout
    stop_sending = began + (args.duration or args.timeout)
    sent = 0
    last_progress = 0.0
    for seq in range(args.count):
        if args.rate:
            ahead = began + seq / args.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        if time.monotonic() > stop_sending:
            break
        while args.max_outstanding and sent - len(acked) - len(failed) >= args.max_outstanding \
                and time.monotonic() < deadline:
            time.sleep(0.001)
        future = producer.send(topic, event(args.run, seq, host, pad))
        future.add_callback(ok, seq).add_errback(err, seq)
        sent += 1
        if args.progress and time.monotonic() - last_progress > 0.2:
            last_progress = time.monotonic()
            with lock:
                write_json(args.progress, {"sent": sent, "acked": len(acked), "failed": len(failed)})
    send_done = time.monotonic()
    remaining = max(1.0, deadline - time.monotonic())
    try:
        producer.flush(timeout=remaining)
    except Exception as exc:  # noqa: BLE001 - recorded, the counts tell the story
        print(f"flush: {exc!r}", file=sys.stderr)
    flushed = time.monotonic()
    try:
        producer.close(timeout=10)
    except Exception as exc:  # noqa: BLE001
        print(f"close: {exc!r}", file=sys.stderr)
    with lock:
        result = {"topic": topic, "config": {k: v for k, v in config.items() if k != "bootstrap_servers"},
                  "bootstrap": options["bootstrap_servers"], "sent": sent, "acked": acked, "failed": failed,
                  "send_s": send_done - began, "total_s": flushed - began, "event_bytes": len(event(args.run, 0, host, pad))}
    write_json(args.out, result)
    if args.progress:
        write_json(args.progress, {"sent": sent, "acked": len(acked), "failed": len(failed), "done": True})
    return 0


def committed_offsets(options: dict, partitions: list[TopicPartition], host: Host = Host()) -> dict[str, int | None]:
    """What the group has committed, read by a client that joins nothing and commits nothing."""
    reader = KafkaConsumer(bootstrap_servers=str(options["bootstrap_servers"]).split(","),
                           group_id=str(options["group_id"]), enable_auto_commit=False, **JAVA_CLIENT_DEFAULTS,
                           **login_config(options, host))
    try:
        return {f"{tp.topic}:{tp.partition}": reader.committed(tp) for tp in partitions}
    finally:
        reader.close(autocommit=False)


def consume(args: argparse.Namespace) -> int:
    options = kafka_input(args.conf)
    host = Host.load(args.host_root)
    topics = list(options["topics"])
    # As Logstash runs it: offsets auto-committed every 5 s, and on close().
    consumer = KafkaConsumer(**consumer_config(options, host))
    # Right after a broker restart its metadata may not list the topic yet: ask again, bounded.
    known: dict[str, set] = {}
    ask_until = time.monotonic() + 30
    while time.monotonic() < ask_until:
        known = {t: consumer.partitions_for_topic(t) or set() for t in topics}
        if all(known.values()):
            break
        time.sleep(0.5)
    partitions = [TopicPartition(t, p) for t in topics for p in sorted(known[t])]
    start_committed = {f"{tp.topic}:{tp.partition}": consumer.committed(tp) for tp in partitions}
    consumer.subscribe(topics)
    began = time.monotonic()
    deadline = began + args.timeout
    records: list[list] = []  # [run, seq, topic, partition, offset, latency_ms]
    seen_seq: set[tuple[str, int]] = set()
    end_offsets = None
    last_progress = 0.0
    idle_since = time.monotonic()
    while time.monotonic() < deadline:
        if args.stop_file and os.path.exists(args.stop_file):
            break
        batch = consumer.poll(timeout_ms=300, max_records=1000)
        now_ns = time.time_ns()
        for tp, msgs in batch.items():
            for m in msgs:
                body = json.loads(m.value)
                run, seq = body["event"]["original"], body["event"]["sequence"]
                if args.run and run != args.run:
                    continue
                records.append([run, seq, tp.topic, tp.partition, m.offset, (now_ns - body["sent_ns"]) / 1e6])
                seen_seq.add((run, seq))
        if batch:
            idle_since = time.monotonic()
        if args.progress and time.monotonic() - last_progress > 0.2:
            last_progress = time.monotonic()
            write_json(args.progress, {"received": len(records), "distinct": len(seen_seq)})
        if args.until_count and len(seen_seq) >= args.until_count:
            break
        if args.until_end:
            if end_offsets is None:
                end_offsets = consumer.end_offsets(partitions)
            if all(consumer.position(tp) >= end_offsets[tp] for tp in partitions if tp in consumer.assignment()) \
                    and consumer.assignment():
                break
        if args.idle and records and time.monotonic() - idle_since > args.idle:
            break
    # A graceful stop, as Logstash's: the Java client's close() commits what was polled, and so
    # does kafka-python's with auto-commit on. A killed consumer would leave up to 5 s uncommitted.
    consumer.close()
    end_committed = committed_offsets(options, partitions, host)
    write_json(args.out, {"group_id": options["group_id"], "topics": topics, "records": records,
                          "start_committed": start_committed, "end_committed": end_committed,
                          "elapsed_s": time.monotonic() - began})
    return 0


def describe(args: argparse.Namespace) -> int:
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), request_timeout_ms=15000,
                             **JAVA_CLIENT_DEFAULTS)
    try:
        names = args.topics.split(",")
        out = {}
        for t in admin.describe_topics(names):
            out[t["name"]] = {
                "error_code": t["error_code"],
                "topic_id": str(t.get("topic_id")),
                "partitions": {p["partition_index"]: {"replicas": p["replica_nodes"], "leader": p["leader_id"],
                                                      "isr": p["isr_nodes"]}
                               for p in t["partitions"]},
            }
        print(json.dumps({"all_topics": sorted(admin.list_topics()), "topics": out}, sort_keys=True))
    finally:
        admin.close()
    return 0


def broker_config(args: argparse.Namespace) -> int:
    """What a running broker says its configuration is (every key, as DescribeConfigs reports it)."""
    from kafka.admin import ConfigResource, ConfigResourceType
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","), request_timeout_ms=15000,
                             **JAVA_CLIENT_DEFAULTS)
    try:
        found = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(args.broker))], config_filter="all")
        entries = found["broker"][str(args.broker)]
        print(json.dumps({key: entry.get("value") for key, entry in entries.items()}, sort_keys=True))
    finally:
        admin.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.integration.client")
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("produce")
    pp.add_argument("--conf", required=True, help="the producer's rendered Logstash pipeline")
    pp.add_argument("--host-root", default="/", help="where the host's files (the CA, a JAAS file) are found")
    pp.add_argument("--count", type=int, required=True)
    pp.add_argument("--rate", type=float, default=0, help="events/s; 0 = as fast as possible")
    pp.add_argument("--size", type=int, default=0, help="pad events to about this many bytes")
    pp.add_argument("--acks", choices=("0", "1", "all"), help="override the rendered acks (bench only)")
    pp.add_argument("--run", default="run")
    pp.add_argument("--host", default=None)
    pp.add_argument("--timeout", type=float, default=120, help="seconds for sending and flushing")
    pp.add_argument("--duration", type=float, default=0, help="stop sending after this many seconds")
    pp.add_argument("--max-outstanding", type=int, default=0,
                    help="wait while this many sends are unacknowledged (0: only the client's buffer limits)")
    pp.add_argument("--progress")
    pp.add_argument("--out", required=True)
    pc = sub.add_parser("consume")
    pc.add_argument("--conf", required=True, help="the consumer's rendered Logstash pipeline")
    pc.add_argument("--host-root", default="/", help="where the host's files (the CA, a JAAS file) are found")
    pc.add_argument("--until-count", type=int, default=0)
    pc.add_argument("--until-end", action="store_true", help="stop at the end offsets seen at start")
    pc.add_argument("--idle", type=float, default=0, help="stop after this many idle seconds once data came")
    pc.add_argument("--run", help="keep only this run's events (others are read and skipped)")
    pc.add_argument("--stop-file")
    pc.add_argument("--timeout", type=float, default=120)
    pc.add_argument("--progress")
    pc.add_argument("--out", required=True)
    pd = sub.add_parser("describe")
    pd.add_argument("--bootstrap", required=True)
    pd.add_argument("--topics", required=True)
    pb = sub.add_parser("broker-config")
    pb.add_argument("--bootstrap", required=True)
    pb.add_argument("--broker", type=int, required=True, help="the broker's node id")
    args = p.parse_args(argv)
    return {"produce": produce, "consume": consume, "describe": describe, "broker-config": broker_config}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
