"""Day two on real local hosts: a lab is deployed once and then changed all day. Each change goes
through scripts/pulumi.sh up, as a user's would: a bigger heap, a newer Kafka release, a new sink,
more partitions (fewer refused at preview), a host stopped and started on a new address, every kind
of host rebooted; and through all of it, nothing acknowledged is lost. Logstash is real here, and
only one release of it can be had offline, so a Logstash upgrade is not rehearsed."""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import time

import pytest

from components import releases
from components.host import bundle_name
from components.stages import pipeline_files
from tests.integration.logstash import rubydebug_events
from tests.rehearsal import hosts
from tests.rehearsal.hosts import Remote
from tests.rehearsal.mirror import PORT as mirror_port
from tests.rehearsal.scenario import (AnonPeak, Probe, Rehearsal, broker_offsets, broker_offsets_once_up,
                                      pipeline_events_since, producer_pipeline, report, settled, stage_durations,
                                      topic_events, utc_stamp, wait_for_no_lag)

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

STACK, SUBNET = "rehearsal-day2", "10.214.203.0/24"
SINK_FILES = "/var/lib/logstash/out/*.jsonl"
# Nothing else in the subnet uses it: the consumer's address after its stop and start.
MOVED_ADDRESS = "10.214.203.99"
# Where no ssh-agent listens.
DEAD_AGENT = "/var/tmp/kafka-pipeline-rehearsal/no-agent-here.sock"
# A well-formed public key nobody holds: the user's own key, as far as the stack can tell.
OWN_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd5cjJ0c3R1dnd4eXphYmNkZWZnaGlqa2xtbm9wcXJz rehearsal"


def running_release(remote: Remote, unit: str, product: str) -> str:
    """The release the unit's running process was started from (its resolved home in its command
    line or open files), not the one a link names now."""
    pid = remote.run(f"systemctl show {unit} -p MainPID --value").strip()
    seen = remote.run(f"sudo sh -c 'tr \"\\0\" \" \" </proc/{pid}/cmdline; ls -l /proc/{pid}/fd 2>/dev/null'")
    found = set(re.findall(rf"/opt/{product}-(\d+\.\d+\.\d+)/", seen)) | set(re.findall(r"kafka_2\.13-(\d+\.\d+\.\d+)\.jar", seen))
    assert len(found) == 1, f"{unit} on {remote.address}: releases in use {found}"
    return found.pop()


def engine_touched(output: str) -> list[str]:
    """The remote commands an `up` created, updated or replaced, from its own progress lines."""
    return sorted({m.group(1) for m in re.finditer(
        r"command:remote:Command (\S+) (?:created|updated|replaced|created replacement)", output)})


# Logstash refuses it at its config check: an option the generator does not have.
REFUSED_PIPELINE = "input { generator { no_such_option => 1 } }\noutput { stdout {} }\n"
# A feed password, made up here, looked for wherever a secret must not be.
FEED_PASSWORD = "feed-pw-5d0b1f7e"


def apply_refused_pipeline(producer: Remote) -> subprocess.CompletedProcess:
    """The producer's pipeline stage run again by hand, as the engine runs it, from a copy of its
    bundle whose pipeline Logstash refuses."""
    copy = "/var/tmp/kp-refused"
    producer.run(f"sudo rm -rf {copy} && sudo cp -a /home/{producer.user}/{bundle_name('source')} {copy}")
    name = producer.run(f"sudo awk '$4 == \"{pipeline_files.CONFIG}\" {{print $3}}' {copy}/manifest").strip()
    producer.run(f"printf '%s' {shlex.quote(REFUSED_PIPELINE)} | sudo tee {copy}/{name} >/dev/null")
    # Its secrets as the engine sends them (NAME<TAB>base64 on stdin), read back from the host's own
    # secrets file: with kafka.security sasl_ssl the producer's login is among them. (bash reads the
    # file back, which would expand a `$`; a login's password is URL-safe base64, which has none.)
    secrets = (f"set -a; . {pipeline_files.SECRETS_FILE}; set +a; "
               f"for n in $(grep -o '^[A-Z_]*' {pipeline_files.SECRETS_FILE}); do "
               "printf '%s\\t%s\\n' \"$n\" \"$(printf %s \"${!n}\" | base64 -w0)\"; done")
    try:
        return producer.call(f"sudo bash -c {shlex.quote(secrets)} | sudo bash {copy}/apply.sh", timeout=300)
    finally:
        producer.run(f"sudo rm -rf {copy}")


def wait_for(check, timeout: float, failure: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, failure
        time.sleep(3)


def file_sink_events(consumer: Remote) -> list[tuple[str, str]]:
    lines = consumer.run(f"sudo sh -c 'cat {SINK_FILES} 2>/dev/null || true'").splitlines()
    return [hosts.identity(json.loads(line)) for line in lines if line.strip()]


def test_day_two_changes_on_real_hosts(capsys):
    config = {"kafka": {"version": releases.UPGRADE_FROM_KAFKA, "topics": [{"name": "twitter", "partitions": 1}]}}
    with Rehearsal(STACK, SUBNET, config) as r:
        r.ws.up()
        remotes = r.hosts()
        broker, producer, consumer = remotes["broker-1"], remotes["producer"], remotes["consumer"]
        r.first_event(consumer)
        # Numbered events beside the pipeline's own all day, their acknowledgements recorded.
        probe = Probe(producer_pipeline(producer), "day-two", interval_s=0.2).start()
        machine = r.logstash_machines()

        def since() -> dict[str, str]:
            return {"kafka": broker.started("kafka"), "producer": producer.started("logstash"),
                    "consumer": consumer.started("logstash")}

        # An up with no change restarts nothing.
        before = since()
        r.ws.up("--expect-no-changes")
        assert since() == before
        # Nor does a stage re-run whose service's inputs are unchanged: a new TTL changes the base
        # stage, so every later stage of every host runs again, and no service restarts.
        r.ws.set("ttlHours", "5")
        rerun = engine_touched(r.ws.up().stdout)
        assert {"kafka-server-kafka", "kafka-producer-logstash", "kafka-producer-source",
                "kafka-consumer-sink"} <= set(rerun), rerun
        assert since() == before

        # 1, 2. A new heap restarts Logstash, and only Logstash; its config check runs beside the
        # service with a small heap, so the 2 GiB host never holds two full-size JVMs.
        r.ws.set("logstash.heapMb", "600")
        # ...applied with SSH_AUTH_SOCK naming a socket where no agent listens (a reattached tmux):
        # the stack has its own key, so the agent must not matter.
        with AnonPeak(machine) as memory:
            r.ws.up(env={"SSH_AUTH_SOCK": DEAD_AGENT})
        after = since()
        assert after["kafka"] == before["kafka"]
        assert after["producer"] != before["producer"] and after["consumer"] != before["consumer"]
        assert '-Xms600m' in consumer.run("cat /etc/logstash/logstash.env")
        peaks = memory.peaks_mib
        assert all(peak < 1536 for peak in peaks.values()), f"peak anonymous memory during the re-run: {peaks} MiB"
        assert memory.oom_kills() == memory.oom_kills_before, "the OOM killer ran during the re-run"
        # With the user's own key (sshPublicKey) the agent is needed: a dead one is named before the engine runs.
        r.ws.script("config", "set", "sshPublicKey", OWN_KEY)
        refused = r.ws.script("preview", STACK, check=False, env={"SSH_AUTH_SOCK": DEAD_AGENT})
        assert refused.returncode == 1 and f"no agent answers at SSH_AUTH_SOCK='{DEAD_AGENT}'" in refused.stderr, \
            refused.stdout + refused.stderr
        r.ws.script("config", "rm", "sshPublicKey")

        # 1. A new Kafka release and a new broker heap restart Kafka on both, and nothing else.
        for remote in (producer, consumer):
            assert running_release(remote, "logstash", "logstash") == r.logstash_version()
        assert running_release(broker, "kafka", "kafka") == releases.UPGRADE_FROM_KAFKA
        before = after
        r.ws.set("kafka.version", releases.DEFAULT_KAFKA)
        r.ws.set("kafka.heapMb", "448")
        r.ws.up()
        after = since()
        assert after["kafka"] != before["kafka"]
        assert (after["producer"], after["consumer"]) == (before["producer"], before["consumer"])
        assert running_release(broker, "kafka", "kafka") == releases.DEFAULT_KAFKA
        pid = broker.run("systemctl show kafka -p MainPID --value").strip()
        assert "-Xmx448m" in broker.run(f"sudo cat /proc/{pid}/cmdline").replace("\0", " ")
        # ...and going back is refused at preview, by the real engine reading the stack's last outputs.
        r.ws.set("kafka.version", releases.UPGRADE_FROM_KAFKA)
        back = r.ws.script("preview", STACK, check=False)
        assert back.returncode != 0 and (f"invalid config kafka.version = '{releases.UPGRADE_FROM_KAFKA}': "
                                         f"{releases.DEFAULT_KAFKA} or later") in back.stdout + back.stderr, \
            back.stdout + back.stderr
        r.ws.set("kafka.version", releases.DEFAULT_KAFKA)

        # 2b. Another source setting: only the producer's pipeline stage runs, and only its Logstash restarts.
        before = since()
        # (The stack left producer.source to its default, so the source is written out whole.)
        r.ws.set("producer.source.type", "generator")
        r.ws.set("producer.source.eventsPerSecond", "4")
        result = r.ws.up()
        assert engine_touched(result.stdout) == ["kafka-producer-source"], engine_touched(result.stdout)
        after = since()
        assert after["producer"] != before["producer"]
        assert (after["kafka"], after["consumer"]) == (before["kafka"], before["consumer"])
        assert "every => 4" in producer.run("sudo cat /etc/logstash/conf.d/pipeline.conf")

        # 2c. A pipeline Logstash refuses: the stage fails with Logstash's own message; the running
        # pipeline goes on, and its file is put back, so a reboot would run it too.
        before, conf = since(), producer.run(f"sudo cat {pipeline_files.CONFIG}")
        refused = apply_refused_pipeline(producer)
        assert refused.returncode != 0, refused.stderr[-3000:]
        assert "Unknown setting 'no_such_option' for generator" in refused.stderr, refused.stderr[-3000:]
        assert "the running pipeline and its file were left as they were" in refused.stderr, refused.stderr[-3000:]
        assert since() == before and producer.run(f"sudo cat {pipeline_files.CONFIG}") == conf
        made, bootstrap = utc_stamp(), r.operator_bootstrap()
        wait_for(lambda: pipeline_events_since(bootstrap, "twitter", made) >= 5, 90,
                 "the producer's pipeline made no events after a refused pipeline")

        # 2d. A source with a secret (basic auth for a feed): the password reaches the host only in
        # the root-only secrets file, never the pipeline file, a command line, the journal or the
        # stack's state, and is gone with the source.
        r.ws.script("config", "rm", "--path", "producer.source")
        r.ws.set("producer.source.type", "http_poller")
        r.ws.set("producer.source.url", f"http://{r.settings.local.gateway}:{mirror_port}/feed.json")
        r.ws.set("producer.source.user", "lab")
        r.ws.script("config", "set", "--secret", "--path", "producer.source.password", FEED_PASSWORD)
        deployed = r.ws.up()
        assert producer.run(f"sudo stat -c '%a %U %G' {pipeline_files.SECRETS_FILE}").split() == ["600", "root", "root"]
        assert f'SOURCE_PASSWORD="{FEED_PASSWORD}"' in producer.run(f"sudo cat {pipeline_files.SECRETS_FILE}")
        pipeline = producer.run(f"sudo cat {pipeline_files.CONFIG}")
        assert "${SOURCE_PASSWORD}" in pipeline
        producer.wait_until("systemctl is-active --quiet logstash", 120, "logstash with the feed source")
        seen = {"the pipeline file": pipeline,
                "the host's journal": producer.run("sudo journalctl --no-pager -o cat", timeout=120),
                "a command line": producer.run("ps -eo args"),
                "the engine's output": deployed.stdout + deployed.stderr,
                "the stack's state": r.ws.script("stack", "export").stdout}
        assert [where for where, text in seen.items() if FEED_PASSWORD in text] == []
        # 3. Back to the default source (the secret goes with it) and, in the same up, another sink:
        # only the two pipeline stages run; the consumer resumes from its offsets.
        r.ws.script("config", "rm", "--path", "producer.source")
        r.ws.set("consumer.sink.type", "file")
        result = r.ws.up()
        assert sorted(engine_touched(result.stdout)) == ["kafka-consumer-sink", "kafka-producer-source"], \
            engine_touched(result.stdout)
        # The feed's password is gone with it; the file keeps only the producer's Kafka login (sasl_ssl).
        left = producer.run(f"sudo cat {pipeline_files.SECRETS_FILE}")
        assert FEED_PASSWORD not in left and "SOURCE_PASSWORD" not in left
        assert [line.split("=", 1)[0] for line in left.splitlines()] == ["KAFKA_SASL_JAAS_CONFIG"]
        printed = rubydebug_events(consumer.run("sudo journalctl -u logstash -o cat --no-pager"))

        # 4. More partitions are added on the broker; fewer are refused at preview. The same up gives
        # every login a new password (make rotate-logins): the logins stage sets them on the broker,
        # each pipeline restarts with its own (the old one refused then: tests/integration).
        secrets = {name: remote.run(f"sudo cat {pipeline_files.SECRETS_FILE}") for name, remote in
                   (("producer", producer), ("consumer", consumer))}
        r.ws.set("kafka.topics[0].partitions", "2")
        rotated = r.ws.script("rotate-logins", STACK)
        assert {"kafka-server-logins", "kafka-producer-source", "kafka-consumer-sink"} <= set(engine_touched(rotated.stdout)), \
            engine_touched(rotated.stdout)
        for name, remote in (("producer", producer), ("consumer", consumer)):
            now = remote.run(f"sudo cat {pipeline_files.SECRETS_FILE}")
            assert now != secrets[name] and now.split("=", 1)[0] == secrets[name].split("=", 1)[0], name
        # The probe's connection logged in before; a reconnection (the broker reboots below) would
        # not: from here it sends as the producer's new login.
        probe.stop()
        probes = [probe]
        probe = Probe(producer_pipeline(producer), "day-two-rotated", interval_s=0.2).start()
        bootstrap = r.operator_bootstrap()
        assert len(broker_offsets(bootstrap, "twitter")) == 2
        assert "consumer_threads => 2" in consumer.run("sudo cat /etc/logstash/conf.d/pipeline.conf")
        r.ws.set("kafka.topics[0].partitions", "1")
        refused = r.ws.script("preview", STACK, check=False)
        assert refused.returncode != 0
        assert "kafka.topics[0].partitions = 1" in refused.stdout and "cannot shrink" in refused.stdout, refused.stdout
        r.ws.set("kafka.topics[0].partitions", "2")

        # 6. The consumer host stopped and started again on a new address: up refreshes and reaches it.
        hosts.move_machine(STACK, r.bridge, "kafka-consumer", MOVED_ADDRESS)
        r.ws.up()
        moved = r.ws.outputs()
        assert moved["hosts"]["consumer"]["address"] == MOVED_ADDRESS
        assert moved["sshConsumer"].endswith(f"@{MOVED_ADDRESS}")
        consumer = remotes["consumer"] = r.remote(MOVED_ADDRESS)
        consumer.wait_until("systemctl is-active --quiet logstash", 120, "logstash after the move")

        # 8. Every kind of host reboots; every service comes back by itself.
        units = {"broker-1": "kafka", "producer": "logstash", "consumer": "logstash"}
        for name in units:
            remotes[name].run("sudo systemctl reboot", check=False)
        time.sleep(3)
        for name, unit in units.items():
            remotes[name].wait_until(f"systemctl is-active --quiet {unit}", 240, f"{unit} after a reboot")
        # The operator's tunnel to the rebooted broker opens again once its sshd is back.
        bootstrap = r.operator_bootstrap()
        deadline = time.monotonic() + 120
        stored = sum(broker_offsets_once_up(bootstrap, "twitter").values())
        while sum(broker_offsets_once_up(bootstrap, "twitter").values()) < stored + 20:
            assert time.monotonic() < deadline, "the pipeline did not resume after the reboots"
            time.sleep(2)

        # Through all of it: nothing acknowledged lost, nothing stored missed; across the sink switch
        # nothing twice (a reboot of the broker may legitimately redeliver, at least once).
        probe.stop()
        probes.append(probe)
        acked = set().union(*(p.acked for p in probes))
        failed = [f for p in probes for f in p.failed]
        assert failed == [] and all(p.acked for p in probes), (failed[:5], [len(p.acked) for p in probes])
        producer.run("sudo systemctl stop logstash")
        ends = broker_offsets(bootstrap, "twitter")
        wait_for_no_lag(bootstrap, "logstash", ends)
        in_topic = topic_events(bootstrap, "twitter")
        before_switch = [hosts.identity(e) for e in printed]
        # The group commits what the input took into the disk queue: the file may still be behind.
        after_switch = settled(lambda: file_sink_events(consumer), set(in_topic) - set(before_switch))
        received = set(before_switch) | set(after_switch)
        report(capsys, f"rehearsal day two: probe acknowledged {len(acked)}, of them not in the topic "
                       f"{len(acked - set(in_topic))}; logins rotated; stored {len(in_topic)} / received {len(received)} "
                       f"distinct, {len(before_switch) + len(after_switch) - len(received)} redelivered; peak "
                       f"anonymous memory of the Logstash hosts during a re-run {', '.join(f'{k} {v:.0f} MiB' for k, v in peaks.items())}; "
                       "slowest stages: " + ", ".join(f"{k} {v:.0f}s" for k, v in sorted(
                           stage_durations(remotes).items(), key=lambda kv: -kv[1])[:4]))
        assert acked - set(in_topic) == set(), "the broker lost acknowledged events"
        assert set(in_topic) - received == set(), f"{len(set(in_topic) - received)} stored events never reached a sink"
        assert received - set(in_topic) == set()
        assert set(before_switch) & set(after_switch) == set(), "events went to both sinks across the switch"
