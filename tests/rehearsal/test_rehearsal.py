"""The rehearsal: the real program, run by the real Pulumi engine through scripts/pulumi.sh, on the
`local` platform: systemd-nspawn hosts on a private bridge, stages over real SSH, Java from
Debian's packages through the apt proxy, Kafka and Logstash from the test mirror the rehearsal serves
(Kafka assembled from Maven Central's jars, real Logstash from its offline OSS build with a JDK added). From nothing
to nothing, unattended.

Needs Linux, root, systemd-nspawn, debootstrap (installed when missing) and the Pulumi CLI with
the command and tls plugins on PATH."""
from __future__ import annotations

import json
import random
import re
import socket
import time

import pytest
from kafka import KafkaProducer
from kafka.errors import KafkaError

from components.stages import kafka as kafka_stage, logins, pipeline_files
from components.stages.base import TTL_UNIT
from tests.integration.logstash import printed_events
from tests.rehearsal import apt_lock, hosts
from tests.rehearsal.chaos import run_chaos
from tests.rehearsal.hosts import Remote
from tests.rehearsal.scenario import (Probe, Rehearsal, broker_figure, keep_books, lifecycles, logstash_figures, pipeline_events_since,
                                      producer_pipeline, report, runs_the_stacks_os, stage_durations, summary,
                                      utc_stamp)

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

# The make-test share of `make chaos` (which runs ten minutes): four faults, about three minutes
# with the books.
CHAOS_MINUTES = 2
# In the secrets file, systemd's EnvironmentFile quoting escapes the JAAS line's quotes.
PASSWORD = re.compile(r'password=\\?"([^"\\]+)')


TTL_DROP_IN = f"/run/systemd/system/{TTL_UNIT}.timer.d/rehearsal.conf"
_MANAGER = ("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager UserspaceTimestampMonotonic")
_TIMER = (f"/org/freedesktop/systemd1/unit/{TTL_UNIT.replace('-', '_2d')}_2etimer",
          "org.freedesktop.systemd1.Timer NextElapseUSecMonotonic")


def _bus_us(remote, where: tuple[str, str]) -> int:
    # Raw microseconds from systemd's bus (systemctl show prints a rounded timespan).
    return int(remote.run(f"busctl get-property org.freedesktop.systemd1 {where[0]} {where[1]}").split()[1])


def userspace_start_us(remote) -> int:
    """When the host's systemd started, on CLOCK_MONOTONIC, which the hosts share with this machine."""
    return _bus_us(remote, _MANAGER)


def ttl_elapse_after_start(remote) -> int:
    """Microseconds from the host's start to its TTL timer's next elapse."""
    return _bus_us(remote, _TIMER) - userspace_start_us(remote)


def answers(address: str, port: int) -> bool:
    """Whether a TCP connection from this machine to a host's bridge address is accepted."""
    with socket.socket() as s:
        s.settimeout(3)
        return s.connect_ex((address, port)) == 0


def assert_secured(r: Rehearsal, remotes: dict[str, Remote]) -> None:
    """kafka.security sasl_ssl, the default: the client port refuses plaintext; each secret sits
    where it belongs, readable by its service's group at most, and shows in no process list,
    journal or the stack's plaintext state; each pipeline logs in as its own login (what each login
    may do is proven on the real broker in tests/integration/test_integration_security.py)."""
    broker, producer, consumer = remotes["broker-1"], remotes["producer"], remotes["consumer"]
    bootstrap = r.ws.outputs()["bootstrapServers"]
    with pytest.raises(KafkaError):
        KafkaProducer(bootstrap_servers=bootstrap.split(","), max_block_ms=8000,
                      request_timeout_ms=5000).send("twitter", b"plaintext").get(timeout=10)
    modes = {
        broker: {kafka_stage.KEYSTORE: "640 root kafka", logins.STATE_DIR: "700 root root",
                 logins.ACLS_FILE: "600 root root"},
        producer: {pipeline_files.KAFKA_JAAS: "640 root logstash", pipeline_files.SECRETS_FILE: "600 root root"},
        consumer: {pipeline_files.SECRETS_FILE: "600 root root"},
    }
    for remote, files in modes.items():
        for path, mode in files.items():
            assert remote.run(f"sudo stat -c '%a %U %G' {path}").strip() == mode, (remote.address, path)
    passwords = {name: PASSWORD.search(remote.run(f"sudo cat {pipeline_files.SECRETS_FILE}")).group(1)
                 for name, remote in (("producer", producer), ("consumer", consumer))}
    assert passwords["producer"] != passwords["consumer"]
    key = broker.run(f"sudo sed -n 2p {kafka_stage.KEYSTORE}").strip()  # a line of the broker's private key
    secrets = [*passwords.values(), key]
    for name, remote in remotes.items():
        seen = remote.run("ps -eo args --no-headers") + remote.run("sudo journalctl --no-pager -o cat")
        assert not [s for s in secrets if s in seen], f"{name}: a secret in its process list or journal"
    state = json.dumps(r.ws.resources())
    assert not [s for s in secrets if s in state], "a secret in the stack's plaintext state"
    for name, remote in (("producer", producer), ("consumer", consumer)):
        shown = remote.run(f"sudo grep -o 'username=[^ ]*' {pipeline_files.SECRETS_FILE}").strip()
        assert shown.replace("\\", "") == f'username="{name}"', shown


def test_one_broker_from_nothing_to_nothing(capsys):
    with Rehearsal("rehearsal", "10.214.201.0/24") as r:
        r.ws.up()
        remotes = r.hosts()
        broker, consumer = remotes["broker-1"], remotes["consumer"]
        first = r.first_event(consumer)

        system = runs_the_stacks_os(r, broker)
        commands = [x for x in r.ws.resources() if x["type"] == "command:remote:Command"]
        assert len(commands) >= 10, "the state holds the remote commands that ran over SSH"
        assert broker.run("systemctl show kafka -p User --value").strip() == "kafka"
        assert broker.run("ps -o user= -p $(systemctl show kafka -p MainPID --value)").strip() == "kafka"
        assert "twitter-0" in broker.run("sudo ls /var/lib/kafka/data").split()

        # The operator's way in: the SSH tunnel to the loopback listener, and the exported commands.
        smoke = r.ws.script("smoke", r.ws.stack)
        assert smoke.stdout.strip().startswith("OK"), smoke.stdout + smoke.stderr
        on_broker = kafka_stage.on_broker_bootstrap(r.settings, broker.address)
        listed = f"{kafka_stage.HOME}/bin/kafka-topics.sh --bootstrap-server {on_broker} --list"
        assert r.ws.outputs()["listTopics"].endswith(listed)
        assert "twitter" in broker.run(listed).split()
        assert_secured(r, remotes)

        # make status reads each Logstash pipeline through the operator's SSH, from an API that
        # answers on the host's loopback only.
        status = r.ws.script("status", r.ws.stack, "--json")
        shown = json.loads(status.stdout)
        assert shown["unread"] == [], shown["unread"]
        pipelines = {(p["host"], p["id"]): p for p in shown["pipelines"]}
        assert sorted(pipelines) == [("consumer", "main"), ("producer", "main")], status.stdout
        assert all(p["events_out"] > 0 and p["reload_failures"] == 0 for p in pipelines.values()), pipelines
        api = r.ws.outputs()["hosts"]["consumer"]["monitoringPort"]
        consumer.run(f"curl -fsS -o /dev/null http://127.0.0.1:{api}/")
        assert answers(consumer.address, 22) and not answers(consumer.address, api), \
            "Logstash's API answers beyond the host's loopback (or the probe sees no open port)"

        # (A second up that changes nothing, and a broker host's reboot under a probe, are day two's.)
        # Real Logstash on both Logstash hosts: its Java process under systemd, as user logstash.
        for remote in (remotes["producer"], consumer):
            pid = remote.run("systemctl show logstash -p MainPID --value").strip()
            assert "org.logstash.Logstash" in remote.run(f"sudo tr '\\0' ' ' </proc/{pid}/cmdline"), pid
            assert remote.run(f"ps -o user= -p {pid}").strip() == "logstash"
        assert consumer.run("/opt/logstash/bin/logstash --version").split()[:2] == ["logstash", r.logstash_version()]

        # A stage waits while another apt run holds the package lists, as apt-daily does on a fresh
        # cloud image, and gives up with a message when the hold outlasts its bound.
        apt_lock.prepare_stage(broker)
        apt_lock.hold_lists_lock(broker, 20)
        waited, took = apt_lock.run_stage(broker)
        assert waited.returncode == 0 and apt_lock.installed(broker), waited.stderr[-3000:]
        assert "waiting for another apt run to finish" in waited.stderr and took >= 10, (took, waited.stderr[-3000:])
        apt_lock.prepare_stage(broker)
        apt_lock.hold_lists_lock(broker, 120)
        gave_up, took = apt_lock.run_stage(broker, lock_wait_s=4)
        assert gave_up.returncode != 0 and "apt is still busy after 4s" in gave_up.stderr, gave_up.stderr[-3000:]
        assert not apt_lock.installed(broker) and took < 60, took
        apt_lock.clean_up(broker)

        bootstrap = r.operator_bootstrap()

        # The TTL guard: its timer is armed on every host for exactly ttlHours after the host's start.
        ttl_us = int(float(r.ws.script("config", "get", "ttlHours").stdout) * 3600 * 10**6)
        for name, remote in remotes.items():
            assert remote.run(f"systemctl is-active {TTL_UNIT}.timer").strip() == "active", name
            assert abs(ttl_elapse_after_start(remote) - ttl_us) < 5 * 10**6, name
        # And it fires by itself: the shortest TTL (30 minutes) is beyond this run, so a drop-in in
        # /run (gone at the next boot) moves each timer's OnBootSec to 20 s from now, the one change
        # to our units; the timer then starts the guard's unit, which powers the host off.
        for remote in remotes.values():
            soon_s = (time.monotonic_ns() // 1000 - userspace_start_us(remote)) // 10**6 + 20
            remote.run(f"sudo mkdir -p {TTL_DROP_IN.rsplit('/', 1)[0]} && printf '[Timer]\\nOnBootSec=\\nOnBootSec=%ss\\n' "
                       f"{soon_s} | sudo tee {TTL_DROP_IN} >/dev/null && sudo systemctl daemon-reload && "
                       f"sudo systemctl restart {TTL_UNIT}.timer")
            assert abs(ttl_elapse_after_start(remote) - soon_s * 10**6) < 5 * 10**6
        # Up to 20 s, then the timer's AccuracySec (1 min), then each host's shutdown (Logstash may
        # take its TimeoutStopSec, 2 min, to stop).
        deadline = time.monotonic() + 300
        while running := [m for m in r.machines().values() if hosts.machine_running(r.bridge, m)]:
            assert time.monotonic() < deadline, f"the TTL timer did not power these hosts off: {running}"
            time.sleep(1)
        came_back = utc_stamp()
        r.ws.up()
        assert r.hosts() == remotes, "the hosts came back on other addresses than the exports name"
        for name, remote in remotes.items():   # the full TTL again, from the new boot
            assert abs(ttl_elapse_after_start(remote) - ttl_us) < 5 * 10**6, name
        with Probe(producer_pipeline(remotes["producer"]), "after-stop") as after_stop:
            # The producer's own pipeline makes events again (the books then check the consumer
            # printed every one), while the probe's sends span its start.
            deadline = time.monotonic() + 240
            while pipeline_events_since(bootstrap, "twitter", came_back) < 10:
                assert time.monotonic() < deadline, "the pipeline made no events after the hosts came back"
                time.sleep(3)
        assert after_stop.failed == [] and after_stop.acked, (after_stop.failed[:5], len(after_stop.acked))

        books = keep_books(r, remotes, bootstrap, after_stop.acked)
        figures = f"{logstash_figures(r, remotes)}; {broker_figure(r, broker)}"
        report(capsys, summary("1 broker", first, stage_durations(remotes), books, figures) + f"; hosts: {system}; "
                       "sasl_ssl: plaintext refused, smoke through the tunnel OK, no secret in ps, journals or state")
        assert books.lost == 0 and books.received == books.stored > 0, f"{books}\n{lifecycles(remotes, ['consumer'])}"


def test_a_class_of_two_on_three_brokers_that_converge_late_and_keep_everything_through_chaos(capsys):
    # Three partitions, so their leaders spread over the brokers; two students, each with their own
    # topic, consumer group, producer and consumer host. On Debian 12 (Java 17), which stays
    # selectable: the other rehearsals run the default, Debian 13 (Java 21).
    config = {"kafka": {"brokers": 3, "topics": [{"name": "twitter", "partitions": 3}]}, "students": ["ana", "ben"],
              "os": "debian-12"}
    with Rehearsal("rehearsal-3", "10.214.202.0/24", config) as r:
        # Broker 1 first, alone: its quorum has no majority, yet its stages must finish.
        late = ("**kafka-server-2-*", "**kafka-server-3-*")
        r.ws.up(*(arg for pattern in late for arg in ("--exclude", pattern)), "--exclude-dependents")
        remotes = r.hosts()
        assert remotes["broker-1"].run("systemctl is-active kafka").strip() == "active"
        assert remotes["broker-2"].run("systemctl is-active kafka", check=False).strip() != "active"
        time.sleep(20)
        # ...then the rest, minutes later in a real first deploy.
        r.ws.up()
        first = min(r.first_event(remotes[f"consumer-{s}"]) for s in ("ana", "ben"))
        for i in (1, 2, 3):
            assert remotes[f"broker-{i}"].run("systemctl is-active kafka").strip() == "active"
        system = runs_the_stacks_os(r, remotes["broker-1"])
        # The operator reaches every broker through its own tunnel, whichever leads a partition.
        smoke = r.ws.script("smoke", r.ws.stack)
        assert smoke.stdout.strip().startswith("OK") and "0@" in smoke.stdout and "2@" in smoke.stdout, smoke.stdout
        # The same deployment then takes a fault every 30 s for a few minutes (make chaos runs ten),
        # with a probe per student; the books after it judge the whole run.
        chaos = run_chaos(r, remotes, random.SystemRandom().randrange(10**6), CHAOS_MINUTES)
        report(capsys, str(chaos))
        assert chaos.ok, str(chaos) + "\n" + lifecycles(remotes, [f"consumer-{s}" for s in ("ana", "ben")])
        assert {f.kind for f in chaos.faults} & {"kill-broker", "kill-controller", "reboot-broker", "partition-broker"}
        books = chaos.pipelines
        report(capsys, summary("3 brokers, a class of 2", first, stage_durations(remotes), books["ana"],
                               logstash_figures(r, remotes)) + f"; ben: {books['ben']}; hosts: {system}")
        for student, b in books.items():
            assert b.lost == 0 and b.received == b.stored > 0, (student, b)
            # Each consumer printed its own student's topic and no other.
            journal = remotes[f"consumer-{student}"].run("sudo journalctl -u logstash -o cat --no-pager")
            assert {topic for topic, _, _ in printed_events(journal)} == {f"twitter-{student}"}, student

        # One student leaves and another joins, in one up: the newcomer's pipeline carries its own
        # topic, the leaver's hosts are gone, and no other student's Logstash nor any broker restarts.
        def since(names) -> dict[str, str]:
            return {n: remotes[n].started("kafka" if n.startswith("broker-") else "logstash") for n in names}

        # Every machine the class ever had is checked for leftovers after destroy.
        machines = r.machines()
        r.ws.config["students"] = ["ana", "ben", "cho"]
        stay = ["broker-1", "broker-2", "broker-3", "producer-ana", "consumer-ana"]
        before = since(stay)
        r.ws.set("students[1]", "cho")
        r.ws.up()
        assert sorted(r.ws.outputs()["students"]) == ["ana", "cho"]
        remotes = r.hosts()
        r.first_event(remotes["consumer-cho"])
        assert since(stay) == before
        journal = remotes["consumer-cho"].run("sudo journalctl -u logstash -o cat --no-pager")
        assert {topic for topic, _, _ in printed_events(journal)} == {"twitter-cho"}
        assert not [m for host, m in machines.items() if host.endswith("-ben") and hosts.machine_running(r.bridge, m)]
