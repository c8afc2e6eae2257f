"""Chaos on a real 3-broker stack on local hosts: one fault every `interval` seconds, chosen by a seeded
generator (printed, so a run can be repeated), while probe producers (acks=all, idempotent, as the
rendered producer pipelines set their Kafka output) send numbered events and the pipelines' own
Logstash runs. Then the books, by identity: every acknowledged event in its topic exactly once and in
order per partition, every stored event printed by its consumer.

Faults: kill -9 of a broker's Kafka, kill -9 of the active controller, a reboot of a broker host or of
a Logstash host, a broker host cut off from the bridge for 20-60 s. Never more than one broker down
or cut off at once (the quorum promises to survive one failure); Logstash faults may overlap a
broker's recovery. Left out: a broker's data disk filled, because a local host keeps Kafka's data on
the root filesystem this machine shares, and filling it would fill this machine's disk.

    sudo .venv/bin/python -m tests.rehearsal.chaos [--minutes 10] [--interval 30] [--seed N]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from kafka import KafkaAdminClient

from components.stages.kafka import operator_port
from tests.rehearsal.hosts import Books, Remote

BROKER_FAULTS = ("kill-broker", "kill-controller", "reboot-broker", "partition-broker")
LOGSTASH_FAULTS = ("reboot-logstash",)
# When the host's PID 1 started: it changes with each boot of the host (the kernel's boot id does not).
BOOTED = "ps -o lstart= -p 1"
# Kafka's process, while its unit is active (a restarted broker has a new one).
KAFKA_PID = "systemctl is-active --quiet kafka && systemctl show kafka -p MainPID --value"
LEFT_OUT = ("a broker's data disk filled: a local host keeps Kafka's data on the root filesystem this "
            "machine shares, and filling it would fill this machine's disk")


@dataclass
class Fault:
    kind: str
    target: str
    at_s: float
    # Seconds after the fault until the cluster was seen whole again (every broker booted and
    # answering, every replica in sync), polled every few seconds until the next fault.
    whole_after_s: float | None = None
    note: str = ""
    # Seconds until every partition the broker led had another leader (None: not seen, or it led none).
    leader_moved_s: float | None = None
    # Seconds until every consumer group had committed past where its partitions ended at the fault.
    caught_up_s: float | None = None
    # What the measures compare with, taken as the fault was injected.
    led: frozenset[tuple[str, int]] = frozenset()
    ends: dict[str, dict[tuple[str, int], int]] | None = None

    def line(self) -> str:
        parts = []
        if self.kind in BROKER_FAULTS:
            parts.append(f"leader moved after {self.leader_moved_s:.0f}s" if self.leader_moved_s is not None
                         else "led no partition" if not self.led else "leader not seen moving")
            parts.append(f"whole after {self.whole_after_s:.0f}s" if self.whole_after_s is not None else "overlapped")
        parts.append(f"consumers caught up after {self.caught_up_s:.0f}s" if self.caught_up_s is not None
                     else "consumers not seen catching up before the next fault")
        if self.note:
            parts.append(self.note)
        return f"  {self.at_s:6.0f}s {self.kind:<17} {self.target:<14} " + "; ".join(parts)


def broker_id(name: str) -> int:
    """broker-N is node N, as the stack numbers its brokers."""
    return int(name.rsplit("-", 1)[1])


def led_by(state: dict[str, dict[int, tuple[int, list[int], list[int]]]], node: int) -> frozenset[tuple[str, int]]:
    return frozenset((topic, n) for topic, parts in state.items() for n, (leader, _, _) in parts.items()
                     if leader == node)


def leadership_moved(state: dict[str, dict[int, tuple[int, list[int], list[int]]]], led: frozenset[tuple[str, int]],
                     node: int) -> bool:
    """Every partition `node` led has a leader again, and not `node`."""
    return all(state.get(topic, {}).get(n, (-1, [], []))[0] not in (-1, node) for topic, n in led)


def cluster_state(bootstrap: str) -> dict[str, dict[int, tuple[int, list[int], list[int]]]]:
    """topic -> partition -> (leader, replicas, in-sync replicas), every topic the cluster holds."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=5000,
                             bootstrap_timeout_ms=5000)
    try:
        return {t["name"]: {p["partition_index"]: (p["leader_id"], sorted(p["replica_nodes"]), sorted(p["isr_nodes"]))
                            for p in t["partitions"]}
                for t in admin.describe_topics()}
    finally:
        admin.close()


def out_of_sync(bootstrap: str) -> list[str]:
    """Partitions without a leader or with a replica out of sync; a cluster that cannot answer is one."""
    try:
        state = cluster_state(bootstrap)
    except Exception as error:  # a partitioned or restarting cluster may not answer at all
        return [f"no answer ({type(error).__name__})"]
    return [f"{topic}-{n} leader {leader} isr {isr}/{replicas}" for topic, parts in sorted(state.items())
            for n, (leader, replicas, isr) in sorted(parts.items()) if leader < 0 or isr != replicas]


def group_offsets(bootstrap: str, groups: dict[str, str]) -> dict[str, dict[tuple[str, int], int]]:
    """group -> its committed offsets (the group's own topic only)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=5000,
                             bootstrap_timeout_ms=5000)
    try:
        return {group: {(tp.topic, tp.partition): meta.offset
                        for tp, meta in admin.list_group_offsets(group).get(group, {}).items() if tp.topic == topic}
                for group, topic in groups.items()}
    finally:
        admin.close()


def end_offsets(bootstrap: str, groups: dict[str, str]) -> dict[str, dict[tuple[str, int], int]]:
    """group -> where each partition of its topic ends now."""
    from tests.rehearsal.scenario import broker_offsets
    return {group: broker_offsets(bootstrap, topic) for group, topic in groups.items()}


class Chaos:
    def __init__(self, links: dict[str, str], remotes: dict[str, Remote], bootstrap: str, seed: int,
                 interval_s: float = 30, groups: dict[str, str] | None = None) -> None:
        # broker -> the host's side of its link to the bridge (vb-<machine>)
        self.links, self.bootstrap = links, bootstrap
        # consumer group -> its topic: whose catching up each fault's line reports
        self.groups = dict(groups or {})
        # Faults with a recovery not yet seen (leader moved, consumers caught up).
        self._watched: list[Fault] = []
        self.rng = random.Random(seed)
        self.seed, self.interval_s = seed, interval_s
        self.brokers = {n: r for n, r in remotes.items() if n.startswith("broker-")}
        self.logstash = {n: r for n, r in remotes.items() if not n.startswith("broker-")}
        self.faults: list[Fault] = []
        self.began = time.monotonic()
        self._healers: list[threading.Thread] = []
        # The broker fault the cluster has not yet been seen whole after.
        self._open: Fault | None = None
        self._deck: list[str] = []
        # broker -> (what tells its run apart, what it said before the fault), until it runs anew
        self._awaiting: dict[str, tuple[str, str]] = {}

    # ---- the cluster ----

    def wait_whole(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            self._observe()
            if self._whole():
                return True
            if time.monotonic() + 2 >= deadline:
                return False
            time.sleep(2)

    def watch(self, until: float) -> None:
        """Until `until` (monotonic) or until every recovery was seen, poll every 2 s, so each time is
        measured within a poll rather than seen at the next fault."""
        while True:
            self._observe()
            if self._open is not None:
                self._whole()
            if (self._open is None and not self._watched) or time.monotonic() + 2 >= until:
                return
            time.sleep(2)

    def _whole(self) -> bool:
        """Every broker runs anew and answers, every replica is in sync, and the partitions the last
        fault's broker led have been led by another broker since: a broker killed and restarted
        within its session timeout still holds its old leadership in the metadata, in sync on
        paper, until the controller fences its old run."""
        unsettled = self._open is not None and self._open.led and self._open.leader_moved_s is None
        if not unsettled and self._restarted_all() and all(r.reachable() for r in self.brokers.values()) \
                and not out_of_sync(self.bootstrap):
            if self._open is not None:
                self._open.whole_after_s = time.monotonic() - self.began - self._open.at_s
                self._open = None
            return True
        return False

    def _observe(self) -> None:
        """One look at leaders and committed offsets for the faults still watched; a cluster that
        cannot answer yet is looked at again next poll."""
        from tests.rehearsal import scenario
        if not self._watched:
            return
        now = time.monotonic() - self.began
        try:
            state = cluster_state(self.bootstrap) if any(f.leader_moved_s is None and f.led for f in self._watched) else {}
            committed = group_offsets(self.bootstrap, self.groups) \
                if any(f.caught_up_s is None and f.ends for f in self._watched) else {}
        except Exception:  # a partitioned or restarting cluster may not answer at all
            return
        for fault in self._watched:
            if fault.leader_moved_s is None and fault.led and leadership_moved(state, fault.led, broker_id(fault.target)):
                fault.leader_moved_s = now - fault.at_s
            if fault.caught_up_s is None and fault.ends and \
                    all(scenario.caught_up(committed.get(g, {}), ends) for g, ends in fault.ends.items()):
                fault.caught_up_s = now - fault.at_s
        self._watched = [f for f in self._watched
                         if (f.led and f.leader_moved_s is None) or (f.ends and f.caught_up_s is None)]

    def _before(self, fault: Fault) -> None:
        """What the fault's recoveries are measured against: the partitions its broker leads and
        where every group's partitions end, as it is injected."""
        try:
            if fault.kind in BROKER_FAULTS:
                fault.led = led_by(cluster_state(self.bootstrap), broker_id(fault.target))
            fault.ends = end_offsets(self.bootstrap, self.groups) if self.groups else None
        except Exception as error:  # still healing from an earlier fault: this one is not measured
            fault.note = f"not measured ({type(error).__name__})"
        self._watched.append(fault)

    def _restarted_all(self) -> bool:
        """Every broker hit by a kill or a reboot runs anew: a new Kafka process, or a new boot. A
        reboot begins with Kafka's orderly stop, during which the host still answers, and a killed
        broker's replicas look in sync until the controller fences it."""
        for name, (command, before) in list(self._awaiting.items()):
            try:
                now = self.brokers[name].call(command, timeout=15)
            except subprocess.TimeoutExpired:
                return False
            if now.returncode != 0 or now.stdout == before or now.stdout.strip() in ("", "0"):
                return False
            del self._awaiting[name]
        return True

    def controller(self) -> str:
        """The active KRaft controller's broker name, as the quorum itself reports it."""
        for name, remote in self.brokers.items():
            # Through the broker's loopback operator listener, as the operator asks it: the controllers'
            # own listener takes only a broker's certificate with kafka.security sasl_ssl.
            try:
                out = remote.call(f"/opt/kafka/bin/kafka-metadata-quorum.sh --bootstrap-server "
                                  f"localhost:{operator_port(broker_id(name))} describe --status", timeout=60)
            except subprocess.TimeoutExpired:
                continue
            found = re.search(r"LeaderId:\s*(\d+)", out.stdout)
            if out.returncode == 0 and found:
                return f"broker-{found.group(1)}"
        raise AssertionError("no broker reported the quorum's leader")

    # ---- faults ----

    def _next_kind(self) -> str:
        # Drawn from a shuffled deck of every kind, refilled when empty: random, repeatable from the
        # seed, and every kind comes once in each round of five.
        if not self._deck:
            self._deck = list(BROKER_FAULTS + LOGSTASH_FAULTS)
            self.rng.shuffle(self._deck)
        return self._deck.pop()

    def inject(self) -> Fault:
        kind = self._next_kind()
        if kind in BROKER_FAULTS and not self.wait_whole(self.interval_s / 2):
            # One broker at a time: while the last broker fault heals, hit a Logstash host instead,
            # and keep the broker fault for later in this round.
            self._deck.insert(0, kind)
            kind = LOGSTASH_FAULTS[0]
        if kind == "reboot-logstash":
            target = self.rng.choice(sorted(self.logstash))
        else:
            target = self.controller() if kind == "kill-controller" else self.rng.choice(sorted(self.brokers))
        fault = Fault(kind, target, 0.0)
        self._before(fault)
        fault.at_s = time.monotonic() - self.began
        if kind == "reboot-logstash":
            _fire(self.logstash[target], "sudo systemctl reboot")
        else:
            remote = self.brokers[target]
            if kind in ("kill-broker", "kill-controller"):
                self._awaiting[target] = (KAFKA_PID, remote.run(KAFKA_PID))
                _fire(remote, "sudo systemctl kill -s KILL kafka")
            elif kind == "reboot-broker":
                self._awaiting[target] = (BOOTED, remote.run(BOOTED))
                _fire(remote, "sudo systemctl reboot")
            else:
                seconds = self.rng.randint(20, 60)
                fault.note = "; ".join(filter(None, [f"cut off for {seconds}s", fault.note]))
                self._cut_off(target, seconds)
            self._open = fault
        self.faults.append(fault)
        print(f"chaos: {fault.at_s:.0f}s {fault.kind} {fault.target} {fault.note}".rstrip(), flush=True)
        return fault

    def _cut_off(self, broker: str, seconds: int) -> None:
        """The host's side of its link to the bridge goes down, then up: the host keeps running and
        its Kafka keeps its state, unreachable (a partition, not a crash)."""
        link = self.links[broker]
        for _ in range(30):  # the link is made anew at each boot of the host
            if subprocess.run(["ip", "link", "set", link, "down"], capture_output=True).returncode == 0:
                break
            time.sleep(1)
        else:
            raise AssertionError(f"no link {link} of {broker} on the bridge to cut")

        def heal() -> None:
            time.sleep(seconds)
            subprocess.run(["ip", "link", "set", link, "up"], capture_output=True)

        healer = threading.Thread(target=heal, daemon=True)
        healer.start()
        self._healers.append(healer)

    def run(self, minutes: float) -> None:
        count = int(minutes * 60 // self.interval_s)
        print(f"chaos: seed {self.seed}, {count} faults, one every {self.interval_s:.0f}s; "
              f"left out: {LEFT_OUT}", flush=True)
        for i in range(1, count + 1):
            self.inject()
            # Until the next slot, watch the cluster heal, so each broker fault's time to a whole
            # cluster is measured (within a poll) rather than seen at the next fault.
            slot = self.began + i * self.interval_s
            self.watch(slot)
            time.sleep(max(0.0, slot - time.monotonic()))
        for healer in self._healers:
            healer.join()

    def heal(self, timeout_s: float = 300) -> None:
        """After the last fault: every link up, every host and service back, the cluster whole."""
        for healer in self._healers:
            healer.join()
        if not self.wait_whole(timeout_s):
            raise AssertionError(f"the cluster did not heal within {timeout_s:.0f}s: {out_of_sync(self.bootstrap)}")
        # The last faults' recoveries, which had no next slot to be seen in.
        self.watch(time.monotonic() + 120)
        for name, remote in self.logstash.items():
            remote.wait_until("systemctl is-active --quiet logstash", 240, f"logstash on {name} after the chaos")


def _fire(remote: Remote, command: str) -> None:
    """Run a command that may take the SSH session down with the host (a reboot)."""
    try:
        remote.call(command, timeout=30)
    except subprocess.TimeoutExpired:
        pass


# ---- the books ----

def probe_records(bootstrap: str, topic: str, run: str) -> dict[int, list[int]]:
    """partition -> one probe run's sequence numbers in offset order."""
    from tests.rehearsal.scenario import topic_records

    found: dict[int, list[int]] = defaultdict(list)
    for partition, _, value in sorted(topic_records(bootstrap, topic), key=lambda r: r[:2]):
        try:
            event = json.loads(value)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("probe") == run:
            found[partition].append(int(event["seq"]))
    return dict(found)


@dataclass(frozen=True)
class ProbeBooks:
    acked: int
    lost: int
    duplicated: int
    out_of_order: int
    stored_unacked: int

    def __str__(self) -> str:
        return (f"acknowledged {self.acked}, lost {self.lost}, duplicated {self.duplicated}, out of order "
                f"{self.out_of_order}, stored without an acknowledgement {self.stored_unacked}")


def probe_books(acked: set[int], stored: dict[int, list[int]]) -> ProbeBooks:
    """By identity: lost = acknowledged and absent; duplicated = stored more than once; out of order =
    a partition holding a later number before an earlier one; stored without an acknowledgement
    (a send that timed out on our side yet reached the broker) counted apart, never netted off."""
    seen = Counter(seq for seqs in stored.values() for seq in seqs)
    out_of_order = sum(1 for seqs in stored.values() for a, b in zip(seqs, seqs[1:]) if b <= a)
    return ProbeBooks(acked=len(acked), lost=len(acked - set(seen)), duplicated=sum(n - 1 for n in seen.values()),
                      out_of_order=out_of_order, stored_unacked=len(set(seen) - acked))


@dataclass
class Result:
    seed: int
    faults: list[Fault]
    probes: dict[str, ProbeBooks]
    pipelines: dict[str, Books]
    heal_s: float
    catch_up_s: float

    @property
    def ok(self) -> bool:
        """Nothing acknowledged lost, duplicated or reordered; nothing stored left unprinted."""
        return all(b.lost == b.duplicated == b.out_of_order == 0 and b.acked for b in self.probes.values()) and \
            all(b.lost == 0 and b.received == b.stored > 0 for b in self.pipelines.values())

    def __str__(self) -> str:
        kinds = Counter(f.kind for f in self.faults)

        def worst(measure: str) -> float:
            return max((getattr(f, measure) for f in self.faults if getattr(f, measure) is not None), default=0.0)

        lines = [f"chaos (seed {self.seed}): {len(self.faults)} faults ("
                 + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + f"); worst recovery: leader moved "
                 f"{worst('leader_moved_s'):.0f}s, cluster whole {worst('whole_after_s'):.0f}s, consumers caught up "
                 f"{worst('caught_up_s'):.0f}s; healed {self.heal_s:.0f}s after the last fault; every consumer caught up within "
                 f"{self.catch_up_s:.0f}s after that; " + "; ".join(
                     f"{name}: probe {b}; pipeline {self.pipelines[name]}" for name, b in self.probes.items())]
        return "\n".join([*lines, *(f.line() for f in self.faults)])


def run_chaos(r, remotes: dict[str, Remote], seed: int, minutes: float, interval_s: float = 30) -> Result:
    """Faults on the rehearsal's stack `r` while a probe per pipeline sends, then the books of every
    pipeline (its producer stopped, its consumer caught up)."""
    from components.settings import group_id
    from tests.rehearsal.scenario import Probe, broker_offsets, keep_books, producer_pipeline, wait_for_no_lag

    bootstrap = r.operator_bootstrap()
    pipelines = r.ws.config.get("students") or [None]
    suffix = {s: f"-{s}" if s else "" for s in pipelines}
    probes = {s: Probe(producer_pipeline(remotes[f"producer{suffix[s]}"]), f"chaos-{seed}{suffix[s]}").start()
              for s in pipelines}
    machines = r.machines()
    links = {f"broker-{i}": f"vb-{machines[host]}" for i, host in enumerate(r.broker_hosts(), 1)}
    groups = {group_id(r.settings, s): probe.topic for s, probe in probes.items()}
    chaos = Chaos(links, remotes, bootstrap, seed, interval_s, groups)
    try:
        chaos.run(minutes)
        ended = time.monotonic()
        chaos.heal()
        heal_s = time.monotonic() - ended
    finally:
        for probe in probes.values():
            probe.stop()
    # Each consumer catches up with what its topic held once the cluster healed (Logstash commits
    # its offsets every 5 s); then the books, with its producer stopped.
    catch_up = {}
    for s, probe in probes.items():
        began = time.monotonic()
        wait_for_no_lag(bootstrap, group_id(r.settings, s), broker_offsets(bootstrap, probe.topic), timeout=300)
        catch_up[s or "lab"] = time.monotonic() - began
    books, pipeline_books = {}, {}
    for s, probe in probes.items():
        name = s or "lab"
        assert not probe.failed, f"{name}: sends failed for good: {probe.failed[:5]}"
        stored = probe_records(bootstrap, probe.topic, probe.run)
        books[name] = probe_books({int(seq) for _, seq in probe.acked}, stored)
        pipeline_books[name] = keep_books(r, remotes, bootstrap, set(), student=s)
    return Result(seed, chaos.faults, books, pipeline_books, heal_s, max(catch_up.values()))


def main(argv: list[str] | None = None) -> int:
    from tests.rehearsal.scenario import Rehearsal
    p = argparse.ArgumentParser(prog="python -m tests.rehearsal.chaos", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--interval", type=float, default=30, help="seconds between faults")
    p.add_argument("--seed", type=int, default=None, help="repeat a run (default: a new seed, printed)")
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    config = {"kafka": {"brokers": 3, "topics": [{"name": "twitter", "partitions": 3}]}}
    print("chaos: deploying stack 'chaos' (3 brokers) on local hosts; it is destroyed at the end", flush=True)
    with Rehearsal("chaos", "10.214.204.0/24", config) as r:
        r.ws.up()
        remotes = r.hosts()
        r.first_event(remotes["consumer"])
        result = run_chaos(r, remotes, seed, args.minutes, args.interval)
        print(result, flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
