"""Looking at a rehearsal's hosts from outside: SSH as the stack's user and key, what the
consumer printed, how long each stage took, and whether anything of ours is left behind."""
from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from components.platform import local, local_resources
from components.stages.plan import STAGE_LOG

SSH_OPTIONS = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5"]


@dataclass(frozen=True)
class Remote:
    address: str
    user: str
    key: Path

    def call(self, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(["ssh", "-i", str(self.key), *SSH_OPTIONS, f"{self.user}@{self.address}", command],
                              capture_output=True, text=True, timeout=timeout)

    def run(self, command: str, timeout: float = 60, check: bool = True) -> str:
        result = self.call(command, timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"on {self.address}: `{command}` failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    def reachable(self) -> bool:
        try:
            return subprocess.run(["ssh", "-i", str(self.key), *SSH_OPTIONS, f"{self.user}@{self.address}", "true"],
                                  capture_output=True, timeout=15).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def wait_until(self, command: str, timeout: float, what: str) -> float:
        """Seconds until `command` succeeds on the host (SSH may be down meanwhile)."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                if subprocess.run(["ssh", "-i", str(self.key), *SSH_OPTIONS, f"{self.user}@{self.address}", command],
                                  capture_output=True, timeout=30).returncode == 0:
                    return time.monotonic() - began
            except subprocess.TimeoutExpired:
                pass
            time.sleep(1)
        raise AssertionError(f"{what} on {self.address}: not within {timeout:.0f}s")

    def started(self, unit: str) -> str:
        """When the unit last became active: a restart changes it, nothing else does."""
        return self.run(f"systemctl show {unit} -p ActiveEnterTimestampMonotonic --value").strip()

    def stage_runs(self) -> list[tuple[str, float, float]]:
        """(stage, start, end) of every stage run apply.sh recorded on this host."""
        text = self.run(f"cat {STAGE_LOG} 2>/dev/null || true")
        return [(s, float(a), float(b)) for s, a, b in (line.split() for line in text.splitlines() if line.strip())]


# ---- what the consumer wrote ----

def identity(event: dict) -> tuple[str, ...]:
    """What tells events apart across producer restarts and sinks: a probe's run and number, or when
    and in what order the generator made them (its sequence starts again at 0 with each start), or
    else (a smoke canary, a feed's event) when it was made, to the nanosecond: a field a JSON sink
    and a rubydebug print give alike (the print flattens nested fields and splits a multi-line
    message, such as a feed's HTML error page, over lines)."""
    if "probe" in event:
        return str(event["probe"]), str(event["seq"])
    if "sequence" in event:
        return str(event["@timestamp"]), str(event["sequence"])
    if "@timestamp" in event:
        return "event", str(event["@timestamp"])
    return "event", json.dumps(event, sort_keys=True)


@dataclass(frozen=True)
class Books:
    """What went through, by identity: the probe's events the broker acknowledged and whether the
    topic holds each; every event stored in the topic (by topic, partition and offset) and whether
    the consumer's sink printed it."""

    acked: int
    acked_lost: int
    stored: int
    received: int
    duplicates: int
    missing: int
    # Where the unprinted events sit (topic/partition: offset ranges): a stop that lost its queue
    # leaves one run, a reader that skipped leaves others; a total alone cannot tell them apart.
    gaps: str = ""

    @property
    def lost(self) -> int:
        """Acknowledged events the topic does not hold, plus stored ones the sink never printed."""
        return self.acked_lost + self.missing


def stored(end_offsets: dict[tuple[str, int], int]) -> set[tuple[str, int, int]]:
    """Every event's place (topic, partition, offset) below each partition's end."""
    return {(t, p, o) for (t, p), end in end_offsets.items() for o in range(end)}


def books(acked: set[tuple[str, str]], in_topic: list[tuple[str, str]],
          end_offsets: dict[tuple[str, int], int], printed: list[tuple[str, int, int]]) -> Books:
    counts = Counter(printed)
    expected = stored(end_offsets)
    unprinted = expected - set(counts)
    return Books(acked=len(acked), acked_lost=len(acked - set(in_topic)), stored=len(expected),
                 received=len(expected) - len(unprinted), duplicates=sum(n - 1 for n in counts.values()),
                 missing=len(unprinted), gaps=gaps(unprinted))


def gaps(places: set[tuple[str, int, int]], most: int = 8) -> str:
    """Places as runs of consecutive offsets per partition, "t/0: 5-9, 12", at most `most` runs."""
    runs = []
    # In sorted order, an offset minus its index is constant along a run of consecutive offsets.
    def run_key(indexed: tuple[int, tuple[str, int, int]]) -> tuple[str, int, int]:
        i, (topic, partition, offset) = indexed
        return topic, partition, offset - i

    for (topic, partition, _), run in groupby(enumerate(sorted(places)), run_key):
        offsets = [o for _, (_, _, o) in run]
        runs.append(f"{topic}/{partition}: {offsets[0]}" + (f"-{offsets[-1]}" if len(offsets) > 1 else ""))
    return ", ".join(runs[:most]) + (f", ... ({len(runs) - most} more runs)" if len(runs) > most else "")


# ---- Logstash's own figures, from its journal ----

def startups(journal: str) -> list[float]:
    """Seconds from each start of the unit (systemd's "Started") to Logstash's "Pipelines running",
    from `journalctl -u logstash -o short-unix`."""
    found, began = [], None
    for line in journal.splitlines():
        stamp, _, text = line.partition(" ")
        if "Started logstash.service" in text or ("Started " in text and "Logstash" in text):
            began = float(stamp)
        elif "Pipelines running" in text and began is not None:
            found.append(float(stamp) - began)
            began = None
    return found


# ---- nothing of ours left behind ----

def machine_env(bridge: str, machine: str) -> dict[str, str]:
    """What scripts/local/machine.sh needs to act on one machine of a stack's bridge."""
    return {"machine": machine, "machine_dir": str(state_dir(bridge) / "machines" / machine), "bridge": bridge,
            "cgroup": local_resources.cgroup_name(machine)}


def machine_running(bridge: str, machine: str) -> bool:
    """Whether the machine runs, as the platform itself reads it on a refresh."""
    return json.loads(local_resources.run("machine.sh", "status", machine_env(bridge, machine)))["running"]


def move_machine(stack: str, bridge: str, host_name: str, address: str) -> None:
    """Stop a local host and start it on a new address, as a stopped and started EC2 instance gets a
    new public one; its lease moves with it. Pulumi learns of it only by refreshing."""
    env = machine_env(bridge, local.machine_name(stack, host_name))
    machine, folder = env["machine"], Path(env["machine_dir"])
    local_resources.run("machine.sh", "stop", env)
    old = (folder / "address").read_text().strip()
    network = folder / "rootfs" / "etc" / "systemd" / "network" / "10-host0.network"
    network.write_text(network.read_text().replace(f"Address={old}/", f"Address={address}/"))
    (folder / "address").write_text(address + "\n")
    leases = state_dir(bridge) / "leases"
    (leases / old).unlink()
    (leases / address).write_text(machine + "\n")
    local_resources.run("machine.sh", "start", env)


def leftovers(bridge: str, machines: list[str], state_dir: Path, extra_processes: tuple[str, ...] = ()) -> list[str]:
    found = []
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    for line in links.splitlines():
        name = line.split()[0].split("@")[0] if line.strip() else ""
        if name == bridge or any(name == f"vb-{m}" for m in machines):
            found.append(f"link {name}")
    mounts = subprocess.run(["findmnt", "-rn", "-o", "TARGET"], capture_output=True, text=True).stdout
    found += [f"mount {m}" for m in mounts.splitlines() if str(state_dir) in m or any(x in m for x in machines)]
    processes = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    needles = (*machines, str(state_dir), *extra_processes)
    found += [f"process {p.strip()}" for p in processes.splitlines()
              if any(n in p for n in needles) and "ps -eo" not in p]
    for machine in machines:
        found += [f"cgroup {c}" for c in Path("/sys/fs/cgroup").glob(f"*/{local_resources.cgroup_name(machine)}")]
    if state_dir.exists():
        found.append(f"folder {state_dir}")
    return found


def state_dir(bridge: str) -> Path:
    return local.STATE_ROOT / bridge


def cgroup(hierarchy: str, machine_name: str) -> Path:
    """A local host's cgroup in one hierarchy of this machine (scripts/local/machine.sh names it)."""
    return Path("/sys/fs/cgroup") / hierarchy / local_resources.cgroup_name(machine_name)


# What decides whether a login succeeds: sshd and its PAM, the unit that lifts /run/nologin, logind
# (a scheduled shutdown puts /run/nologin back), and the manager's own start and stop lines.
LOGIN_UNITS = ("ssh", "systemd-user-sessions", "systemd-logind", "init.scope")


def login_report(bridge: str, machines: dict[str, str], lines: int = 40) -> str:
    """Each host's journal about logins, the key it lets in and its console's tail, read from this
    machine's side: a host that refuses SSH can still say why. The first lines are the ones that
    tell: sshd repeats its "drop connection ... penalty" line every few seconds afterwards, so those
    are counted, not shown."""
    parts = []
    for host, machine in machines.items():
        folder = state_dir(bridge) / "machines" / machine
        units = [arg for unit in LOGIN_UNITS for arg in ("-u", unit)]
        journal = subprocess.run(["journalctl", "-D", str(folder / "rootfs" / "var" / "log" / "journal"), *units,
                                  "-o", "short-precise", "--no-pager"],
                                 capture_output=True, text=True, timeout=60)
        told, drops = login_lines(journal.stdout.splitlines())
        shown = "\n".join(told[:lines] + ([f"... {len(told) - lines} more"] if len(told) > lines else []))
        keys = subprocess.run(["ssh-keygen", "-lf", str(folder / "rootfs" / "home" / "admin" / ".ssh" / "authorized_keys")],
                              capture_output=True, text=True)
        console = folder / "console.log"
        tail = console.read_text(errors="replace").splitlines()[-10:] if console.exists() else ["(no console log)"]
        parts.append(f"--- {host} ({machine}): its login journal ({drops} penalty drops not shown)\n"
                     f"{shown or journal.stderr.strip()}\n"
                     f"--- {host}: the key it lets in: {(keys.stdout or keys.stderr).strip()}\n"
                     f"--- {host}: its console's last lines\n" + "\n".join(tail))
    return "\n".join(parts)


def login_lines(journal: list[str]) -> tuple[list[str], int]:
    """The journal's lines without sshd's repeated penalty drops, and how many drops there were."""
    told = [line for line in journal if "penalty:" not in line]
    return told, len(journal) - len(told)
