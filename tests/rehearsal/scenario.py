"""One stack of a rehearsal and what is checked against it: its workspace, hosts, the first event,
and the books of what went through (acknowledged, stored, printed), kept by identity."""
from __future__ import annotations

import atexit
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
import re
from collections.abc import Mapping
from typing import Any, Callable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from components.logstash.parse import parse
from components import kafka_server, releases
from components.platform import local, sizes
from components.queues import BROKER
from components.settings import OWN_BROKERS, group_id, producer_topic
from components.stages import kafka as kafka_stage
from components.stages import pipeline_files
from tests.integration.client import Host, login_config, producer_config
from tests.integration.logstash import printed_events
from tests.settings import make
from tests.rehearsal import hosts
from tests.rehearsal.hosts import Books, Remote
from tests.rehearsal import mirror
from tests.rehearsal.workspace import Workspace

WORK = Path("/var/tmp/kafka-pipeline-rehearsal")

FIRST_EVENT_TIMEOUT_S = 300


class Rehearsal:
    """One stack of the rehearsal: its workspace, addresses and the checks run against it."""

    def __init__(self, stack: str, subnet: str, config: dict | None = None) -> None:
        settings = make({"platform": "local", "local": {"subnet": subnet}}, stack=stack, region=None, with_ssh=False)
        self.bridge = settings.local.bridge
        self.gateway = settings.local.gateway
        self.ws = Workspace(stack, WORK / stack, config={"local": {"subnet": subnet}, **(config or {})},
                            before_deploy=self.serve_downloads)
        # The stack's settings as the program reads them: every name (topic, group) comes from there.
        self.settings = make({"platform": "local", **self.ws.config}, stack=stack, region=None, with_ssh=False)
        self.began = 0.0
        self._tunnels: OperatorTunnels | None = None

    def __enter__(self) -> "Rehearsal":
        self.ws.create()
        self.began = time.monotonic()
        self.began_epoch = time.time()
        return self

    def operator_bootstrap(self) -> str:
        """Where the operator's Kafka clients on this machine reach the brokers, as `make tunnel`
        gives it: SSH tunnels to each broker's loopback listener (stack outputs hosts and
        operatorBootstrap), kept open, and reopened after a broker host reboots, until the end.
        What the books read goes this way, whatever kafka.security the stack runs."""
        if self._tunnels is None:
            outputs = self.ws.outputs()
            self._tunnels = OperatorTunnels(outputs["hosts"], self.ws.key_file()).start()
            self._operator = outputs["operatorBootstrap"]
        self._tunnels.wait_open()
        return self._operator

    def __exit__(self, *exc) -> None:
        if self._tunnels is not None:
            self._tunnels.stop()
        if exc[0] is not None:
            # Before the destroy takes the hosts' journals with it.
            print(hosts.login_report(self.bridge, self.machines()))
        destroyed = self.ws.script("destroy", self.ws.stack, check=False)
        mirror.stop(self.mirror_root())
        machines = list(self.machines().values())
        left = hosts.leftovers(self.bridge, machines, hosts.state_dir(self.bridge),
                               # The folder's own path, not a prefix of another stack's (rehearsal-3).
                               extra_processes=(f"{self.ws.folder}/",))
        self.ws.remove()
        if exc[0] is None:
            assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-2000:]
            assert left == [], f"left behind after destroy: {left}"

    def mirror_root(self) -> Path:
        return self.ws.folder / ".rehearsal" / "mirror"

    def serve_downloads(self) -> None:
        """Apache's and Elastic's sites are out of this machine's reach: the mirror on the stack's
        bridge serves the Kafka release the stack asks for and a Logstash with an offline build (the
        stack's own choice, refused by name when there is none), and the stack is pointed at it with
        the digests of what it serves, as a user would point a stack at a mirror they trust."""
        kafka = self.ws.get("kafka.version") or releases.DEFAULT_KAFKA
        logstash = self.ws.get("logstash.version")
        config = mirror.serve_for(self.mirror_root(), self.gateway, mirror.PORT, [kafka], [logstash] if logstash else None)
        if (self.ws.get("kafka.provider") or OWN_BROKERS) != OWN_BROKERS:
            # A Kafka the stack does not run: it installs Logstash only (and refuses Kafka's keys).
            config = {k: v for k, v in config.items() if not k.startswith("kafka.")}
        self.ws.set_all(config)

    def logstash_version(self) -> str:
        """The release the stack installs (the mirror sets it to the one it serves)."""
        return self.ws.script("config", "get", "--path", "logstash.version").stdout.strip()

    def host_names(self) -> list[str]:
        return [*self.broker_hosts(), *(f"kafka-{role}" for role in self.logstash_roles())]

    def broker_hosts(self) -> list[str]:
        """The brokers' host names, broker 1 first (they answer as broker-1, broker-2, ... in hosts());
        none when the stack's Kafka is one it does not run."""
        if self.ws.config.get("kafka", {}).get("provider", OWN_BROKERS) != OWN_BROKERS:
            return []
        brokers = self.ws.config.get("kafka", {}).get("brokers", 1)
        return [BROKER, *(f"{BROKER}-{i}" for i in range(2, brokers + 1))]

    def machines(self) -> dict[str, str]:
        """Each host's machine on this machine, by host name, named as the local platform names it:
        after its former name where it has one (the first broker of a quorum was <name>-1)."""
        brokers = self.ws.config.get("kafka", {}).get("brokers", 1)
        found = {}
        for host in self.host_names():
            former = kafka_server.former_name(BROKER, 0, brokers) if host == BROKER else None
            found[host] = local.machine_name(self.ws.stack, former or host)
        return found

    def logstash_roles(self) -> list[str]:
        """The Logstash hosts' names in hosts(): producer and consumer, or producer-<s> and
        consumer-<s> for each student of a class (their host names are kafka-<that>)."""
        suffixes = [f"-{s}" for s in self.ws.config.get("students", [])] or [""]
        return [f"{role}{suffix}" for suffix in suffixes for role in ("producer", "consumer")]

    def logstash_machines(self) -> dict[str, str]:
        """Each Logstash host's machine name on this machine, by its name in hosts()."""
        machines = self.machines()
        return {role: machines[f"kafka-{role}"] for role in self.logstash_roles()}

    def remote(self, address: str, user: str | None = None) -> Remote:
        return Remote(address, user or self.settings.os.user, self.ws.key_file())

    def hosts(self) -> dict[str, Remote]:
        """Every host by its name in the stack output `hosts` (broker-1, producer, consumer-ana, ...)."""
        return {name: self.remote(host["address"], host["user"]) for name, host in self.ws.outputs()["hosts"].items()}

    def first_event(self, consumer: Remote) -> float:
        """Seconds from the start of the rehearsal to the first event printed by the consumer."""
        deadline = time.monotonic() + FIRST_EVENT_TIMEOUT_S
        while time.monotonic() < deadline:
            if printed_events(consumer.run("sudo journalctl -u logstash -o cat --no-pager", check=False)):
                return time.monotonic() - self.began
            time.sleep(1)
        # Both ends, the consumer's first lines included: a stuck pipeline shows why at its start.
        logs = {}
        for name, remote in self.hosts().items():
            if name.startswith(("producer", "consumer")):  # a class's producer-ana, consumer-ana, ...
                lines = [line for line in remote.run("sudo journalctl -u logstash -o short-precise --no-pager",
                                                     check=False).splitlines()
                         if "not found in cluster metadata" not in line]
                logs[name] = "\n".join(lines if len(lines) <= 50 else [*lines[:25], "...", *lines[-25:]])
        raise AssertionError(f"no event at the consumer within {FIRST_EVENT_TIMEOUT_S}s:\n"
                             + "\n".join(f"--- {name}:\n{text}" for name, text in logs.items()))


class OperatorTunnels:
    """One `ssh -N -L port:localhost:port` per broker (its operatorPort in the stack output hosts),
    watched: one that ends (its host rebooted) is opened again."""

    def __init__(self, stack_hosts: dict, key: Path) -> None:
        self.brokers = [(h["user"], h["address"], int(h["operatorPort"])) for h in stack_hosts.values()
                        if "operatorPort" in h]
        self.key = key
        self._procs: dict[int, subprocess.Popen] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> "OperatorTunnels":
        self._open_missing()
        self._thread.start()
        return self

    def wait_open(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not all(self._listening(port) for _, _, port in self.brokers):
            if time.monotonic() > deadline:
                raise AssertionError(f"the operator's SSH tunnels did not open: {self.brokers}")
            time.sleep(0.5)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for proc in self._procs.values():
            proc.terminate()
        for proc in self._procs.values():
            proc.wait(timeout=10)

    def _open_missing(self) -> None:
        for user, address, port in self.brokers:
            proc = self._procs.get(port)
            if proc is None or proc.poll() is not None:
                self._procs[port] = subprocess.Popen(
                    ["ssh", "-i", str(self.key), *hosts.SSH_OPTIONS, "-o", "ExitOnForwardFailure=yes",
                     "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
                     "-N", "-L", f"{port}:localhost:{port}", f"{user}@{address}"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _watch(self) -> None:
        while not self._stop.wait(2):
            self._open_missing()

    @staticmethod
    def _listening(port: int) -> bool:
        with socket.socket() as s:
            s.settimeout(1)
            return s.connect_ex(("127.0.0.1", port)) == 0


def runs_the_stacks_os(r: Rehearsal, remote: Remote) -> str:
    """The host booted the release the stack asked for and runs Kafka on that release's own Java;
    its os-release line and Java version, for the report."""
    release = dict(line.split("=", 1) for line in remote.run("cat /etc/os-release").splitlines() if "=" in line)
    assert f"debian-{release['VERSION_ID'].strip(chr(34))}" == r.settings.os.id, release
    package = r.settings.os.java_packages[local.local_arch()]
    assert remote.run(f"dpkg-query -W -f='${{db:Status-Status}}' {package}").strip() == "installed", package
    java = remote.run("java -version 2>&1 | head -n 1").strip()
    return f"{release['PRETTY_NAME'].strip(chr(34))}, {java}"


def stage_durations(remotes: dict[str, Remote]) -> dict[str, float]:
    durations = {}
    for name, remote in remotes.items():
        for stage, start, end in remote.stage_runs():
            durations.setdefault(f"{name}/{stage}", end - start)
    return durations


# A reader's login (kafka-python settings, client.login_config): none on our brokers' tunnels, the
# consumer's own on a Kafka that takes logins only.
Login = Mapping[str, Any]


def broker_offsets(bootstrap: str, topic: str, login: Login = {}) -> dict[tuple[str, int], int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), request_timeout_ms=20000, **login)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return {(tp.topic, tp.partition): end for tp, end in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def broker_offsets_once_up(bootstrap: str, topic: str, timeout: float = 120) -> dict[tuple[str, int], int]:
    """broker_offsets, asked again until the broker answers: systemd says a restarted Kafka is active
    seconds before it listens."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return broker_offsets(bootstrap, topic)
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def topic_events(bootstrap: str, topic: str, login: Login = {}) -> list[tuple[str, str]]:
    """The identity of every event stored in the topic, read from the start without a group."""
    return [hosts.identity(json.loads(value)) for value in topic_values(bootstrap, topic, login)]


def pipeline_events_since(bootstrap: str, topic: str, stamp: str) -> int:
    """Events the producer's own pipeline made (not a probe's) stamped after `stamp`, an ISO 8601
    UTC time as Logstash writes @timestamp: the pipeline runs end to end again."""
    return sum(1 for made, _ in topic_events(bootstrap, topic) if made[:1].isdigit() and made > stamp)


def utc_stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def topic_values(bootstrap: str, topic: str, login: Login = {}) -> list[bytes]:
    """Every record value stored in the topic, read from the start without a group."""
    return [value for _, _, value in topic_records(bootstrap, topic, login)]


def topic_records(bootstrap: str, topic: str, login: Login = {}) -> list[tuple[int, int, bytes]]:
    """Every record stored in the topic as (partition, offset, value), in offset order per partition."""
    ends = broker_offsets(bootstrap, topic, login)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, enable_auto_commit=False,
                             request_timeout_ms=20000, **login)
    try:
        partitions = [TopicPartition(t, p) for t, p in ends]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found, deadline = [], time.monotonic() + 120
        while any(consumer.position(tp) < ends[(tp.topic, tp.partition)] for tp in partitions):
            assert time.monotonic() < deadline, "could not read the topic to its end"
            for records in consumer.poll(timeout_ms=1000).values():
                found += [(r.partition, r.offset, r.value) for r in records]
        return found
    finally:
        consumer.close()


def caught_up(committed: dict[tuple[str, int], int], ends: dict[tuple[str, int], int]) -> bool:
    """The group has committed at least up to where each partition ended."""
    return all(committed.get(key, -1) >= end for key, end in ends.items())


def wait_for_no_lag(bootstrap: str, group: str, ends: dict[tuple[str, int], int], timeout: float = 120,
                    login: Login = {}) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=20000, **login)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            committed = {(tp.topic, tp.partition): meta.offset
                         for tp, meta in admin.list_group_offsets(group).get(group, {}).items()}
            if caught_up(committed, ends):
                return
            time.sleep(1)
        raise AssertionError(f"consumer group {group} still behind after {timeout:.0f}s: {committed} < {ends}")
    finally:
        admin.close()


class Probe:
    """Numbered events sent beside the pipeline's own, by a producer set as the rendered producer
    pipeline sets its Kafka output (servers, topic, acks, compression); it records which sends the
    broker acknowledged. Logstash keeps no such record, so this is what "nothing acknowledged is
    lost" is judged by."""

    def __init__(self, pipeline: "HostPipeline", run: str, interval_s: float = 0.05):
        options = dict(parse(pipeline.text).outputs[0].options)
        self.topic = options["topic_id"]
        # With kafka.security sasl_ssl it logs in as the producer's own login, over TLS.
        self.producer = KafkaProducer(**producer_config(options, host=pipeline.host), request_timeout_ms=15000,
                                      delivery_timeout_ms=600000)
        self.run, self.interval_s = run, interval_s
        self.acked: set[tuple[str, str]] = set()
        self.failed: list[str] = []
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._send, daemon=True)

    def start(self) -> "Probe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        # Sends still retrying after a fault (a broker rebooted, leaders moving) get their chance: on
        # CI's two loaded cores a cluster took over two minutes to settle after chaos.
        self.producer.flush(timeout=360)
        self.producer.close(timeout=10)

    def __enter__(self) -> "Probe":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _send(self) -> None:
        while not self._stop.is_set():
            seq = self.sent
            stamp = utc_stamp()
            value = json.dumps({"probe": self.run, "seq": seq, "@timestamp": stamp}).encode()
            future = self.producer.send(self.topic, value)
            future.add_callback(lambda _md, s=seq: self.acked.add((self.run, str(s))))
            future.add_errback(lambda e, s=seq: self.failed.append(f"{s}: {e!r}"))
            self.sent += 1
            self._stop.wait(self.interval_s)


@dataclass(frozen=True)
class HostPipeline:
    """A host's rendered pipeline and what it refers to there (the CA it trusts, its JAAS file),
    copied to a folder of this machine's that only its owner reads."""
    text: str
    host: Host


def producer_pipeline(remote: Remote) -> HostPipeline:
    return _host_pipeline(remote, lambda pipeline: pipeline.outputs[0])


def consumer_pipeline(remote: Remote) -> HostPipeline:
    return _host_pipeline(remote, lambda pipeline: pipeline.inputs[0])


def consumer_login(remote: Remote) -> Login:
    """The consumer's own login, as its rendered kafka input logs in (none with plaintext)."""
    pipeline = consumer_pipeline(remote)
    return login_config(dict(parse(pipeline.text).inputs[0].options), pipeline.host)


def _host_pipeline(remote: Remote, kafka_plugin: Callable) -> HostPipeline:
    text = remote.run(f"sudo cat {pipeline_files.CONFIG}")
    options = dict(kafka_plugin(parse(text)).options)
    root = Path(tempfile.mkdtemp(prefix="kp-host-"))
    root.chmod(0o700)
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for option in ("ssl_truststore_location", "jaas_path"):
        if option in options:
            copy = root / str(options[option]).lstrip("/")
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(remote.run(f"sudo cat {options[option]}"))
    # A ${...} reference (the consumer's JAAS line) resolves from the root-only secrets file.
    secrets = remote.run(f"sudo cat {pipeline_files.SECRETS_FILE}") if "sasl_jaas_config" in options else ""
    return HostPipeline(text, Host(root, environment_file(secrets)))


def environment_file(text: str) -> dict[str, str]:
    """A systemd EnvironmentFile as pipeline.sh writes it: NAME="value", backslash and quote escaped."""
    found = {}
    for line in text.splitlines():
        name, _, quoted = line.partition("=")
        if name and quoted.startswith('"') and quoted.endswith('"'):
            found[name] = re.sub(r'\\(.)', r"\1", quoted[1:-1])
    return found


def keep_books(r: Rehearsal, remotes: dict[str, Remote], bootstrap: str, acked: set[tuple[str, str]],
               student: str | None = None, login: Login = {}) -> Books:
    """Stop the producer, let the consumer catch up (Logstash commits its offsets every 5 s), then
    check by identity: every acknowledged probe event is in the topic, every stored event printed.
    In a class, one student's: their producer, topic, group and consumer."""
    suffix = f"-{student}" if student else ""
    topic, group = producer_topic(r.settings, student), group_id(r.settings, student)
    remotes[f"producer{suffix}"].run("sudo systemctl stop logstash")
    ends = broker_offsets(bootstrap, topic, login)
    wait_for_no_lag(bootstrap, group, ends, login=login)
    printed = printed_once_settled(remotes[f"consumer{suffix}"], hosts.stored(ends))
    return hosts.books(acked, topic_events(bootstrap, topic, login), ends, printed)


def printed_once_settled(consumer: Remote, expected: set[tuple[str, int, int]], quiet_s: float = 20,
                         timeout: float = 180, poll_s: float = 2) -> list[tuple[str, int, int]]:
    """What the consumer's sink printed to its journal, read once settled (see `settled`)."""
    return settled(lambda: printed_events(consumer.run("sudo journalctl -u logstash -o cat --no-pager")),
                   expected, quiet_s, timeout, poll_s)


def settled(read: Callable[[], list], expected: set, quiet_s: float = 20, timeout: float = 180,
            poll_s: float = 2) -> list:
    """What a sink holds (`read`), read once it holds every expected event or has taken nothing new
    for `quiet_s`. A committed offset says Logstash's input took the event into its queue, not that
    the output wrote it: after a backlog (a consumer host rebooted, say) the last batches are still
    on their way to the sink when the group has caught up. An event still absent once the sink has
    gone quiet stays missing."""
    deadline = time.monotonic() + timeout
    last, quiet_since = -1, time.monotonic()
    while True:
        found = read()
        if expected <= set(found) or time.monotonic() > deadline:
            return found
        if len(found) != last:
            last, quiet_since = len(found), time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return found
        time.sleep(poll_s)


def lifecycles(remotes: dict[str, Remote], names: list[str]) -> str:
    """For a failure message: when each named host's Logstash started and stopped, and how (systemd's
    lines about the unit, Logstash's shutdown and queue lines, journald's suppressions and size)."""
    pattern = r"systemd\[1\]|stalled|[Ss]uppressed|[Pp]ipeline (started|terminated)|queue|SIGTERM|Killing"
    out = []
    for name in names:
        # Two reads: journalctl ANDs a unit with an identifier.
        text = remotes[name].run("{ sudo journalctl -o short-precise --no-pager -u logstash; sudo journalctl "
                                 f"-o short-precise --no-pager -t systemd-journald; }} | grep -E '{pattern}' "
                                 "| sort | tail -n 40; sudo journalctl --disk-usage", check=False)
        out.append(f"--- {name}:\n{text.rstrip()}")
    return "\n".join(out)


def logstash_figures(r: Rehearsal, remotes: dict[str, Remote]) -> str:
    """Each Logstash host's start-up times (unit start to pipelines running) and the peak memory its
    machine has used since it booted, against the 2 GiB of the t4g.small it stands for."""
    parts = []
    for name, machine in r.logstash_machines().items():
        journal = remotes[name].run("sudo journalctl -u logstash -o short-unix --no-pager", check=False)
        starts = ", ".join(f"{s:.0f}s" for s in hosts.startups(journal)) or "none seen"
        peak = peak_memory_mib(machine)
        parts.append(f"{name} start-up {starts}, peak memory {peak:.0f} of 2048 MiB")
    return "Logstash " + "; ".join(parts)


class AnonPeak:
    """The most anonymous memory each machine's cgroup held while in the `with` block, sampled twice a
    second, and how many processes its OOM killer killed. Anonymous memory is what the JVMs take; the
    page cache is left out, since the kernel gives it back under pressure, and Logstash's disk queue
    and the release archive's checksum fill it up to the host's limit."""

    def __init__(self, machines: dict[str, str]) -> None:
        self.machines = machines
        self.peaks_mib = {name: 0.0 for name in machines}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "AnonPeak":
        self.oom_kills_before = self.oom_kills()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def oom_kills(self) -> dict[str, int]:
        return {name: int(_fields(hosts.cgroup("memory", m) / "memory.oom_control")["oom_kill"])
                for name, m in self.machines.items()}

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for name, machine in self.machines.items():
                anon = int(_fields(hosts.cgroup("memory", machine) / "memory.stat")["total_rss"]) / 2**20
                self.peaks_mib[name] = max(self.peaks_mib[name], anon)


def _fields(path: Path) -> dict[str, str]:
    return dict(line.split() for line in path.read_text().splitlines() if line.strip())


def peak_memory_reset(machine: str) -> None:
    (hosts.cgroup("memory", machine) / "memory.max_usage_in_bytes").write_text("0")


def peak_memory_mib(machine: str) -> float:
    return int((hosts.cgroup("memory", machine) / "memory.max_usage_in_bytes").read_text()) / 2**20


def broker_figure(r: Rehearsal, broker: Remote) -> str:
    """Kafka's peak resident memory since its last start beside its configured heap and the memory of
    the instance type the host stands for: what is left for the page cache and the OS."""
    pid = broker.run("systemctl show kafka -p MainPID --value").strip()
    peak_kib = int(broker.run(f"sudo grep VmHWM /proc/{pid}/status").split()[1])
    env = broker.run(f"sudo cat {kafka_stage.ENV_FILE}").replace('"', " ").split()
    xmx = next((word[4:] for word in env if word.startswith("-Xmx")), "?")
    memory = sizes.memory_mib(r.settings.kafka.instance_type)
    return f"broker: Kafka peak RSS {peak_kib // 1024} MiB (heap {xmx}) of {memory} MiB"


# Sources and sinks whose Logstash plugins come from RubyGems, out of reach of an offline machine.
NOT_OFFLINE = "the twitter source and the opensearch sink (their plugins come from RubyGems)"


def summary(name: str, first_event_s: float, durations: dict[str, float], b: Books, logstash: str) -> str:
    stages = ", ".join(f"{k} {v:.0f}s" for k, v in sorted(durations.items(), key=lambda kv: -kv[1])[:8])
    return (f"rehearsal {name} (real Logstash; not run offline: {NOT_OFFLINE}): first event at the consumer "
            f"{first_event_s:.0f}s after start; {logstash}; "
            f"slowest stages: {stages}; probe events acknowledged {b.acked}, of them lost {b.acked_lost}; "
            f"events stored {b.stored} / printed {b.received} / never printed {b.missing} "
            f"(printed twice {b.duplicates})")


def report(capsys, line: str) -> None:
    with capsys.disabled():
        print(f"\n    {line}")
    (WORK / "summaries.txt").parent.mkdir(parents=True, exist_ok=True)
    with open(WORK / "summaries.txt", "a") as f:
        f.write(line + "\n")
