"""Kafka's own Java clients from the pinned jars, set as our rendered pipelines set Logstash's (which
runs the same Java client): ProducerPerformance, ConsumerPerformance, and end-to-end latency at a
fixed rate (java/E2ELatency.java), each between network namespaces of the integration harness."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from components.logstash.lscl import Plugin
from components.logstash.parse import parse
from components.stages import kafka
from components.stages.plan import Facts
from tests.integration import jars
from tests.integration.broker import Cluster
from tests.integration.client import Host

HERE = Path(__file__).resolve().parent
BUILD = HERE / "java" / "build"
# Logstash's kafka plugin options and the Java client properties they set.
JAVA_NAMES = {"acks": "acks", "compression_type": "compression.type", "linger_ms": "linger.ms",
              "batch_size": "batch.size", "client_id": "client.id", "fetch_max_wait_ms": "fetch.max.wait.ms",
              "fetch_min_bytes": "fetch.min.bytes", "max_poll_records": "max.poll.records", "group_id": "group.id"}
PRODUCER_LINE = re.compile(r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
                           r"([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th")


# kafka.security sasl_ssl: the plugin's login options and the Java client properties they set
# (logstash-integration-kafka passes each through; the output's jaas_path, being JVM-wide, is
# given here as the same line in sasl.jaas.config).
LOGIN_NAMES = {"security_protocol": "security.protocol", "sasl_mechanism": "sasl.mechanism",
               "ssl_truststore_type": "ssl.truststore.type"}
LOGIN_FILES = {"ssl_truststore_location", "jaas_path", "sasl_jaas_config"}


def client_props(conf: Path, section: str, host: Host = Host()) -> dict[str, str]:
    """The Java client properties a rendered pipeline's kafka plugin gives Logstash (read back from
    the file), its login's files found on `host`."""
    pipeline = parse(conf.read_text())
    plugin = next(p for p in getattr(pipeline, section) if isinstance(p, Plugin) and p.name == "kafka")
    options = dict(plugin.options)
    props = {JAVA_NAMES[k]: str(v) for k, v in options.items() if k in JAVA_NAMES}
    props.update({LOGIN_NAMES[k]: str(v) for k, v in options.items() if k in LOGIN_NAMES})
    if "ssl_truststore_location" in options:
        props["ssl.truststore.location"] = host.path(str(options["ssl_truststore_location"]))
    if "jaas_path" in options:
        props["sasl.jaas.config"] = jaas_line(Path(host.path(str(options["jaas_path"]))).read_text())
    if "sasl_jaas_config" in options:
        props["sasl.jaas.config"] = host.resolve(options["sasl_jaas_config"])
    return props


def jaas_line(jaas_file: str) -> str:
    """The login line of a JAAS file's KafkaClient section (as scripts/stages/pipeline.sh writes it)."""
    (line,) = [part.strip() for part in jaas_file.splitlines() if "LoginModule" in part]
    return line


def stock_properties(settings, facts: Facts, data_dir: str) -> dict[str, object]:
    """Kafka's defaults, and only what a single KRaft node needs to run and keep what it acknowledged:
    its roles, listeners and quorum, its data folder, internal topics sized for one broker."""
    ip = facts.private_ip
    return {
        "process.roles": "broker,controller",
        "node.id": facts.node_id,
        "controller.quorum.voters": f"{facts.node_id}@{ip}:{kafka.CONTROLLER_PORT}",
        "controller.listener.names": "CONTROLLER",
        "listeners": f"PLAINTEXT://{ip}:{kafka.CLIENT_PORT},CONTROLLER://{ip}:{kafka.CONTROLLER_PORT}",
        "advertised.listeners": f"PLAINTEXT://{ip}:{kafka.CLIENT_PORT}",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": data_dir,
        "offsets.topic.replication.factor": 1,
        "transaction.state.log.replication.factor": 1,
        "transaction.state.log.min.isr": 1,
        "share.coordinator.state.topic.replication.factor": 1,
        "share.coordinator.state.topic.min.isr": 1,
    }


def compile_probe(cp: str) -> str:
    """The classpath that runs java/E2ELatency, compiled once against the pinned client jar."""
    source = HERE / "java" / "E2ELatency.java"
    built = BUILD / "E2ELatency.class"
    if not built.exists() or built.stat().st_mtime < source.stat().st_mtime:
        BUILD.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["javac", "-cp", cp, "-d", str(BUILD), str(source)], capture_output=True, text=True,
                                timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"javac failed:\n{result.stderr[-2000:]}")
    return f"{BUILD}:{cp}"


def write_props(cluster: Cluster, host: str, name: str, props: dict[str, str]) -> Path:
    path = cluster.hosts[host].root / "run" / f"{name}.properties"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in sorted(props.items())))
    return path


def producer_perf(cluster: Cluster, topic: str, props: dict[str, str], records: int, size: int) -> dict:
    # A file, as a JAAS line holds the `=` that --producer-props splits on.
    config = write_props(cluster, "producer", "perf-producer", props)
    result = cluster.broker.java(jars.MAIN_CLASSES["perf"], [
        "--topic", topic, "--num-records", str(records), "--throughput", "-1", "--record-size", str(size),
        "--command-config", str(config), "--producer-props", f"bootstrap.servers={cluster.broker.bootstrap}"],
        timeout=300, host="producer", heap="-Xmx512m")
    matches = [PRODUCER_LINE.search(line) for line in result.stdout.splitlines()]
    found = [m for m in matches if m]
    if result.returncode != 0 or not found:
        raise RuntimeError(f"ProducerPerformance failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    n, eps, mbs, _avg, _max, p50, _p95, p99 = found[-1].groups()
    return {"records": int(n), "eps": float(eps), "mbs": float(mbs), "p50": float(p50), "p99": float(p99)}


def consumer_perf(cluster: Cluster, topic: str, props: dict[str, str], records: int) -> dict:
    """One run from the earliest offset, in the rendered pipeline's group: the tool's own random group
    is refused under sasl_ssl, where the consumer's login may join its group only. Nothing is
    committed, so every run of the same group reads everything again."""
    config = write_props(cluster, "consumer", "perf-consumer", {
        **{k: v for k, v in props.items() if k not in ("client.id", "group.id")}, "enable.auto.commit": "false"})
    result = cluster.broker.java(jars.MAIN_CLASSES["consumer-perf"], [
        "--bootstrap-server", cluster.broker.bootstrap, "--topic", topic, "--num-records", str(records),
        "--group", props["group.id"], "--timeout", "60000", "--hide-header", "--command-config", str(config)],
        timeout=300, host="consumer", heap="-Xmx512m")
    rows = [line.split(",") for line in result.stdout.splitlines() if line.count(",") >= 9]
    if result.returncode != 0 or not rows:
        raise RuntimeError(f"ConsumerPerformance failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    # start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms, fetch MB/s, fetch records/s: the
    # fetch rate leaves out joining the group, which the broker's group.initial.rebalance.delay.ms decides.
    row = [c.strip() for c in rows[-1]]
    return {"records": int(row[4]), "eps": float(row[9]), "mbs": float(row[8]), "join_ms": float(row[6])}


def end_to_end(cluster: Cluster, topic: str, produce: dict[str, str], consume: dict[str, str], rate: int,
               warmup: float, seconds: float, size: int) -> dict:
    """p50, p99 and max milliseconds from send to receipt at `rate` events/s, after `warmup` seconds
    of the same traffic that are not measured."""
    cp = compile_probe(cluster.cp)
    both = {"bootstrap.servers": cluster.broker.bootstrap}
    pfile = write_props(cluster, "producer", "e2e-producer", {**produce, **both})
    cfile = write_props(cluster, "consumer", "e2e-consumer", {**{k: v for k, v in consume.items()
                                                                   if k != "client.id"}, **both})
    java = ["java", "-Xmx256m", "-cp", cp, "E2ELatency"]
    records = int(rate * seconds)
    log = cluster.hosts["consumer"].root / "run" / "e2e-consumer.log"
    with log.open("w") as err:  # a file, not a pipe nobody reads while the producer runs
        consumer = subprocess.Popen(cluster.net.cmd("consumer", [*java, "consume", str(cfile), topic, str(records),
                                                                 str(warmup + seconds + 60)]),
                                    stdout=subprocess.PIPE, stderr=err, text=True)
    ready = consumer.stdout.readline().strip()
    if ready != "READY":
        consumer.kill()
        raise RuntimeError(f"latency consumer did not start: {ready} {log.read_text()[-2000:]}")
    producer = subprocess.run(cluster.net.cmd("producer", [*java, "produce", str(pfile), topic, str(rate),
                                                           str(warmup), str(seconds), str(size)]),
                              capture_output=True, text=True, timeout=warmup + seconds + 120)
    out, _ = consumer.communicate(timeout=warmup + seconds + 120)
    if producer.returncode != 0 or consumer.returncode != 0:
        raise RuntimeError(f"latency run failed:\n{producer.stderr[-1500:]}\n{log.read_text()[-1500:]}")
    p50, p99, worst, received = out.split()
    return {"p50": float(p50), "p99": float(p99), "max": float(worst), "received": int(received)}


def settle(seconds: float = 2) -> None:
    """A pause between runs, so one run's flush and GC do not land in the next one's figures.

    The sync matters: a throughput run leaves hundreds of MB dirty, and the kernel writes dirty pages
    back once they are 30 s old (vm.dirty_expire_centisecs), i.e. in the middle of the next latency run.
    """
    sys.stdout.flush()
    os.sync()
    time.sleep(seconds)
