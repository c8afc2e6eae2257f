"""The rehearsal of a class: the real program, run by the real Pulumi engine through
scripts/pulumi.sh, on the `local` platform: systemd-nspawn hosts on a private bridge, stages over
real SSH, Java from Debian's packages through the apt proxy, Kafka and Logstash from the test
mirror the rehearsal serves (Kafka assembled from Maven Central's jars, real Logstash from its
offline OSS build with a JDK added). From nothing to nothing, unattended. One broker through a
day of changes is tests/rehearsal/test_one_broker.py.

Needs Linux, root, systemd-nspawn, debootstrap (installed when missing) and the Pulumi CLI with
the command and tls plugins on PATH."""
from __future__ import annotations

import random
import time

import pytest

from tests.integration.logstash import printed_events
from tests.rehearsal import hosts
from tests.rehearsal.chaos import run_chaos
from tests.rehearsal.scenario import (Rehearsal, lifecycles, logstash_figures, report, runs_the_stacks_os,
                                      stage_durations, summary)

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

# The make-test share of `make chaos` (which runs ten minutes): four faults, about three minutes
# with the books.
CHAOS_MINUTES = 2


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
