"""The rehearsal: the real program, run by the real Pulumi engine through scripts/pulumi.sh, on the
`local` platform: systemd-nspawn hosts on a private bridge, stages over real SSH, Java from
Debian's packages through the apt proxy, Kafka and Logstash from the mirror (here: Kafka assembled
from Maven Central's jars, the Logstash stand-in). From nothing to nothing, unattended.

Needs Linux, root, systemd-nspawn, debootstrap (installed when missing) and the Pulumi CLI with
the command and tls plugins on PATH."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient

from components.platform import local
from components.settings import parse
from tests.rehearsal import hosts
from tests.rehearsal.hosts import Remote, Tally
from tests.rehearsal.workspace import ROOT, Workspace

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

WORK = Path("/var/tmp/kafka-pipeline-rehearsal")
MIRROR_PORT = int(re.search(r"^MIRROR_PORT=(\d+)", (ROOT / "scripts" / "pulumi.sh").read_text(), re.M).group(1))
FIRST_EVENT_TIMEOUT_S = 300
ACKED_LEDGER = "/var/lib/logstash/standin/acked.json"


class Rehearsal:
    """One stack of the rehearsal: its workspace, addresses and the checks run against it."""

    def __init__(self, stack: str, subnet: str, config: dict | None = None) -> None:
        settings = parse({"platform": "local", "local": {"subnet": subnet}}, stack=stack, region=None)
        self.bridge = settings.local.bridge
        mirror = f"http://{settings.local.gateway}:{MIRROR_PORT}"
        # Point the stack at the rehearsal mirror, so scripts/pulumi.sh serves it and pins its checksums.
        self.ws = Workspace(stack, WORK / stack, config={
            "local": {"subnet": subnet}, "kafka": {"downloadUrl": f"{mirror}/kafka", **(config or {}).get("kafka", {})},
            "logstash": {"downloadUrl": f"{mirror}/logstash"},
            **{k: v for k, v in (config or {}).items() if k != "kafka"}})
        self.began = 0.0

    def __enter__(self) -> "Rehearsal":
        self.ws.create()
        self.began = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        destroyed = self.ws.script("destroy", self.ws.stack, check=False)
        machines = [local.machine_name(self.ws.stack, name) for name in self.host_names()]
        left = hosts.leftovers(self.bridge, machines, hosts.state_dir(self.bridge),
                               extra_processes=(str(self.ws.folder),))
        self.ws.remove()
        if exc[0] is None:
            assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-2000:]
            assert left == [], f"left behind after destroy: {left}"

    def host_names(self) -> list[str]:
        brokers = self.ws.config.get("kafka", {}).get("brokers", 1)
        names = ["kafka-server"] if brokers == 1 else [f"kafka-server-{i}" for i in range(1, brokers + 1)]
        return [*names, "kafka-producer", "kafka-consumer"]

    def remote(self, address: str) -> Remote:
        return Remote(address, "admin", self.ws.key_file())

    def hosts(self) -> dict[str, Remote]:
        out = self.ws.outputs()
        found = {"consumer": self.remote(out["sshConsumer"].split("@")[1]),
                 "producer": self.remote(out["sshProducer"].split("@")[1])}
        for i, command in enumerate(out["sshBroker"], 1):
            found[f"broker-{i}"] = self.remote(command.split("@")[1])
        return found

    def first_event(self, consumer: Remote) -> float:
        """Seconds from the start of the rehearsal to the first event printed by the consumer."""
        deadline = time.monotonic() + FIRST_EVENT_TIMEOUT_S
        while time.monotonic() < deadline:
            if hosts.printed_events(consumer.run("sudo journalctl -u logstash -o cat --no-pager", check=False)):
                return time.monotonic() - self.began
            time.sleep(1)
        raise AssertionError(f"no event at the consumer within {FIRST_EVENT_TIMEOUT_S}s:\n"
                             f"{consumer.run('sudo journalctl -u logstash -n 40 --no-pager', check=False)}")


def stage_durations(remotes: dict[str, Remote]) -> dict[str, float]:
    durations = {}
    for name, remote in remotes.items():
        for stage, start, end in remote.stage_runs():
            durations.setdefault(f"{name}/{stage}", end - start)
    return durations


def broker_offsets(bootstrap: str, topic: str) -> dict[tuple[str, int], int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), request_timeout_ms=20000)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        return {(tp.topic, tp.partition): end for tp, end in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def wait_for_no_lag(bootstrap: str, group: str, ends: dict[tuple[str, int], int], timeout: float = 120) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=20000)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            committed = {(tp.topic, tp.partition): meta.offset
                         for tp, meta in admin.list_group_offsets(group).get(group, {}).items()}
            if all(committed.get(key, -1) >= end for key, end in ends.items()):
                return
            time.sleep(1)
        raise AssertionError(f"consumer group {group} still behind after {timeout:.0f}s: {committed} < {ends}")
    finally:
        admin.close()


def count_through(r: Rehearsal, remotes: dict[str, Remote], bootstrap: str) -> Tally:
    """Stop the producer, let the consumer catch up, and compare what was acknowledged, stored and printed."""
    remotes["producer"].run("sudo systemctl stop logstash")
    ledger = json.loads(remotes["producer"].run(f"sudo cat {ACKED_LEDGER}"))
    ends = broker_offsets(bootstrap, "twitter")
    wait_for_no_lag(bootstrap, "logstash", ends)
    printed = hosts.printed_events(remotes["consumer"].run("sudo journalctl -u logstash -o cat --no-pager"))
    return hosts.tally(sum(run["acked"] for run in ledger["runs"]), ends, printed)


def summary(name: str, first_event_s: float, durations: dict[str, float], t: Tally) -> str:
    stages = ", ".join(f"{k} {v:.0f}s" for k, v in sorted(durations.items(), key=lambda kv: -kv[1])[:8])
    return (f"rehearsal {name}: first event at the consumer {first_event_s:.0f}s after start; slowest stages: "
            f"{stages}; events sent {t.acked} / stored {t.stored} / received {t.received} / lost {t.lost} "
            f"(duplicates {t.duplicates})")


def report(capsys, line: str) -> None:
    with capsys.disabled():
        print(f"\n    {line}")
    (WORK / "summaries.txt").parent.mkdir(parents=True, exist_ok=True)
    with open(WORK / "summaries.txt", "a") as f:
        f.write(line + "\n")


def test_one_broker_from_nothing_to_nothing(capsys):
    with Rehearsal("rehearsal", "10.214.201.0/24") as r:
        r.ws.up()
        remotes = r.hosts()
        broker, consumer = remotes["broker-1"], remotes["consumer"]
        first = r.first_event(consumer)

        commands = [x for x in r.ws.resources() if x["type"] == "command:remote:Command"]
        assert len(commands) >= 10, "the state holds the remote commands that ran over SSH"
        assert broker.run("systemctl show kafka -p User --value").strip() == "kafka"
        assert broker.run("ps -o user= -p $(systemctl show kafka -p MainPID --value)").strip() == "kafka"
        assert "twitter-0" in broker.run("sudo ls /var/lib/kafka/data").split()

        smoke = r.ws.script("smoke", r.ws.stack)
        assert smoke.stdout.strip().startswith("OK"), smoke.stdout + smoke.stderr

        runs_before = {name: len(remote.stage_runs()) for name, remote in remotes.items()}
        r.ws.up("--expect-no-changes")
        assert {name: len(remote.stage_runs()) for name, remote in remotes.items()} == runs_before, \
            "a second up re-ran a stage"

        # The broker host reboots: Kafka is back by itself and nothing acknowledged is lost.
        broker.run("sudo systemctl reboot", check=False)
        time.sleep(3)
        broker.wait_until("systemctl is-active --quiet kafka", 240, "kafka after a reboot")
        bootstrap = r.ws.outputs()["bootstrapServers"]
        before = sum(broker_offsets(bootstrap, "twitter").values())
        deadline = time.monotonic() + 120
        while sum(broker_offsets(bootstrap, "twitter").values()) < before + 20:
            assert time.monotonic() < deadline, "the producer did not resume after the broker's reboot"
            time.sleep(2)

        tally = count_through(r, remotes, bootstrap)
        assert tally.lost == 0 and tally.received == tally.stored > 0, tally
        report(capsys, summary("1 broker", first, stage_durations(remotes), tally))


def test_three_brokers_converge_when_two_start_late(capsys):
    with Rehearsal("rehearsal-3", "10.214.202.0/24", {"kafka": {"brokers": 3}}) as r:
        # Broker 1 first, alone: its quorum has no majority, yet its stages must finish.
        late = ("**kafka-server-2-*", "**kafka-server-3-*")
        r.ws.up(*(arg for pattern in late for arg in ("--exclude", pattern)), "--exclude-dependents")
        remotes = r.hosts()
        assert remotes["broker-1"].run("systemctl is-active kafka").strip() == "active"
        assert remotes["broker-2"].run("systemctl is-active kafka", check=False).strip() != "active"
        time.sleep(20)
        # ...then the rest, minutes later in a real first deploy.
        r.ws.up()
        first = r.first_event(remotes["consumer"])
        for i in (1, 2, 3):
            assert remotes[f"broker-{i}"].run("systemctl is-active kafka").strip() == "active"
        tally = count_through(r, remotes, r.ws.outputs()["bootstrapServers"])
        assert tally.lost == 0 and tally.received == tally.stored > 0, tally
        report(capsys, summary("3 brokers", first, stage_durations(remotes), tally))
