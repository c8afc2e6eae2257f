"""One broker, from nothing, through a day of changes, to nothing: the real program, run by the real
Pulumi engine through scripts/pulumi.sh, on the `local` platform (systemd-nspawn hosts on a private
bridge, stages over real SSH, Java from Debian's packages through the apt proxy, Kafka and Logstash
from the test mirror the rehearsal serves). One deployment carries every check, as CI's time asks:
first what a new user sees (the first event, the operator's tools, kafka.security sasl_ssl keeping
its secrets and refusing Kafka's console consumer on the producer host, real Logstash, a stage
waiting out apt), then day two, each change through
scripts/pulumi.sh up as a user's would: a bigger heap, a newer Kafka release, a new source and
sink, new passwords, more partitions (fewer refused at preview), a host stopped and started on a
new address, and every host powered off by the TTL guard and brought back; and through all of it,
nothing acknowledged is lost. Last, the team moves to a Kafka of its own (kafka.provider existing,
a real broker the test runs on the stack's bridge): our broker host goes, and the books hold
again. Only one Logstash release can be had offline, so a Logstash upgrade is not rehearsed.

Needs Linux, root, systemd-nspawn, debootstrap (installed when missing) and the Pulumi CLI with
the command and tls plugins on PATH."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from secrets import token_urlsafe

import pytest
from kafka import KafkaProducer
from kafka.errors import KafkaError

from components import releases
from components.host import bundle_name
from components.logstash.parse import parse
from components.errors import Secret
from components.queues import BROKER
from components.stages import kafka as kafka_stage, logins, logstash as logstash_stage, pipeline_files
from components.stages.base import TTL_UNIT
from tests.bench.java_clients import LOGIN_NAMES
from tests.integration import secured
from tests.integration.logstash import rubydebug_events
from tests.integration.netns import Network
from tests.rehearsal import apt_lock, hosts
from tests.rehearsal.hosts import Remote
from tests.rehearsal.mirror import PORT as mirror_port
from tests.rehearsal.scenario import (FIRST_EVENT_TIMEOUT_S, AnonPeak, Probe, Rehearsal, broker_figure, broker_offsets,
                                      broker_offsets_once_up, consumer_login, keep_books, lifecycles, logstash_figures,
                                      pipeline_events_since, producer_pipeline, report, runs_the_stacks_os, settled,
                                      stage_durations, summary, topic_events, utc_stamp, wait_for_no_lag)
from tests.settings import make

pytestmark = [pytest.mark.integration, pytest.mark.rehearsal]

STACK, SUBNET = "rehearsal", "10.214.201.0/24"
SINK_FILES = "/var/lib/logstash/out/*.jsonl"
# Nothing else in the subnet uses it: the consumer's address after its stop and start.
MOVED_ADDRESS = "10.214.201.99"
# Above the addresses the platform leases (from .10 up): the team's own broker on the hosts' network.
EXISTING_HOST = 250
EXISTING = f"10.214.201.{EXISTING_HOST}:9092"
# Where no ssh-agent listens.
DEAD_AGENT = "/var/tmp/kafka-pipeline-rehearsal/no-agent-here.sock"
# A well-formed public key nobody holds: the user's own key, as far as the stack can tell.
OWN_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFd5cjJ0c3R1dnd4eXphYmNkZWZnaGlqa2xtbm9wcXJz rehearsal"

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



def assert_refused_from_the_producer_host(r: Rehearsal, remotes: dict[str, Remote]) -> None:
    """Issue 18's check, as a user would make it: Kafka's own console consumer on the producer host
    reads nothing, typed bare (no login, no TLS), and is refused with the producer's login, which may
    write the topic but neither read it nor join a group. (Every login's fence, students' among them,
    is proven on the real broker in tests/integration/test_integration_security.py.)"""
    producer = remotes["producer"]
    machines = hosts.state_dir(r.bridge) / "machines"
    # Kafka's tools as the broker host has them (a Logstash host has none), put in from this machine.
    (release,) = [d for d in (machines / r.machines()[BROKER] / "rootfs/opt").glob("kafka-*") if d.is_dir()]
    tools = "/var/tmp/kafka-tools"
    here = machines / r.logstash_machines()["producer"] / "rootfs" / tools.lstrip("/")
    # The JDK Logstash brings with it (Elastic's tarball carries one): the host has no other.
    consume = (f"JAVA_HOME={logstash_stage.HOME}/jdk {tools}/bin/kafka-console-consumer.sh --bootstrap-server "
               f"{r.ws.outputs()['bootstrapServers']} --topic twitter --from-beginning --max-messages 1 "
               "--timeout-ms 20000")
    # The login as the producer's rendered kafka output sets it, read back from the host.
    properties, jaas_path = login_properties(producer.run(f"sudo cat {pipeline_files.CONFIG}"))
    try:
        subprocess.run(["cp", "-al", str(release), str(here)], check=True)
        (here / "producer.properties").write_text(properties)
        # The broker hangs up on a plaintext client, which reads nothing from a topic that has events.
        bare = producer.call(f"{consume} 2>&1", timeout=90).stdout
        assert "disconnected" in bare and "Processed a total of 0 messages" in bare, bare[-3000:]
        # The producer's own login, from the JAAS file its Logstash reads (root and Logstash only).
        # --consumer.config: the broker runs Kafka 4.1.1 here, whose tool does not know the newer name
        # --command-config (4.3.1 takes both).
        as_producer = producer.call(
            f"sudo KAFKA_OPTS=-Djava.security.auth.login.config={jaas_path} "
            f"{consume} --consumer.config {tools}/producer.properties 2>&1", timeout=90).stdout
        assert "AuthorizationException" in as_producer, as_producer[-3000:]
    finally:
        shutil.rmtree(here, ignore_errors=True)


def login_properties(pipeline_text: str) -> tuple[str, str]:
    """A Java client's login properties as a rendered producer pipeline's kafka output sets them (its
    files' paths are the host's own), and the JAAS file it names."""
    options = dict(parse(pipeline_text).outputs[0].options)
    properties = {LOGIN_NAMES[k]: str(v) for k, v in options.items() if k in LOGIN_NAMES}
    properties["ssl.truststore.location"] = str(options["ssl_truststore_location"])
    return "".join(f"{k}={v}\n" for k, v in sorted(properties.items())), str(options["jaas_path"])


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


def kafka_login(remote: Remote) -> str:
    """The host's Kafka login as its secrets file holds it."""
    return next(line for line in remote.run(f"sudo cat {pipeline_files.SECRETS_FILE}").splitlines()
                if line.startswith("KAFKA_SASL_JAAS_CONFIG="))


def wait_for(check, timeout: float, failure: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, failure
        time.sleep(3)


def file_sink_events(consumer: Remote) -> list[tuple[str, str]]:
    lines = consumer.run(f"sudo sh -c 'cat {SINK_FILES} 2>/dev/null || true'").splitlines()
    return [hosts.identity(json.loads(line)) for line in lines if line.strip()]


def test_one_broker_from_nothing_through_a_day_of_changes_to_nothing(capsys):
    # Day two upgrades Kafka: the stack starts on the release before the default, and runs the
    # default from step 1 on.
    config = {"kafka": {"version": releases.UPGRADE_FROM_KAFKA, "topics": [{"name": "twitter", "partitions": 1}]}}
    with Rehearsal(STACK, SUBNET, config) as r:
        r.ws.up()
        remotes = r.hosts()
        broker, producer, consumer = remotes["broker-1"], remotes["producer"], remotes["consumer"]
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
        assert_refused_from_the_producer_host(r, remotes)

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

        # Real Logstash on both Logstash hosts: its Java process under systemd, as user logstash.
        for remote in (producer, consumer):
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

        # Day two. Numbered events beside the pipeline's own all day, their acknowledgements recorded.
        probe = Probe(producer_pipeline(producer), "day-two", interval_s=0.2).start()
        probes = [probe]
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
        # 2b's stage restarted Logstash without waiting for it, and under CI's load it starts in 60-240 s:
        # the refused pipeline was tried while it started, and it must still come up and run.
        made, bootstrap = utc_stamp(), r.operator_bootstrap()
        wait_for(lambda: pipeline_events_since(bootstrap, "twitter", made) >= 5, FIRST_EVENT_TIMEOUT_S,
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
        # 3. Back to the default source (the secret goes with it) and another sink, in an up that also
        # gives every login a new password (make rotate-logins): the logins stage sets them on the
        # broker, then the two pipeline stages run, each Logstash restarting with its own (the old
        # password refused from then on: tests/integration); the consumer resumes from its offsets.
        logins_before = {name: kafka_login(remote) for name, remote in (("producer", producer), ("consumer", consumer))}
        r.ws.script("config", "rm", "--path", "producer.source")
        r.ws.set("consumer.sink.type", "file")
        result = r.ws.script("rotate-logins", STACK)
        assert sorted(engine_touched(result.stdout)) == ["kafka-consumer-sink", "kafka-producer-source",
                                                         "kafka-server-logins"], engine_touched(result.stdout)
        for name, remote in (("producer", producer), ("consumer", consumer)):
            assert kafka_login(remote) != logins_before[name], f"{name}: the same password after rotate-logins"
        # The probe's connection logged in before; a new one (the hosts power off below) would not:
        # from here on it sends as the producer's new login.
        probe.stop()
        probe = Probe(producer_pipeline(producer), "rotated", interval_s=0.2).start()
        probes.append(probe)
        # The feed's password is gone with it; the file keeps only the producer's Kafka login (sasl_ssl).
        left = producer.run(f"sudo cat {pipeline_files.SECRETS_FILE}")
        assert FEED_PASSWORD not in left and "SOURCE_PASSWORD" not in left
        assert [line.split("=", 1)[0] for line in left.splitlines()] == ["KAFKA_SASL_JAAS_CONFIG"]
        printed = rubydebug_events(consumer.run("sudo journalctl -u logstash -o cat --no-pager"))

        # 4. More partitions are added on the broker; fewer are refused at preview.
        r.ws.set("kafka.topics[0].partitions", "2")
        r.ws.up()
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

        # 8. The TTL guard: its timer is armed on every host for exactly ttlHours after the host's start.
        ttl_us = int(float(r.ws.script("config", "get", "ttlHours").stdout) * 3600 * 10**6)
        for name, remote in remotes.items():
            assert remote.run(f"systemctl is-active {TTL_UNIT}.timer").strip() == "active", name
            assert abs(ttl_elapse_after_start(remote) - ttl_us) < 5 * 10**6, name
        # And it fires by itself: the shortest TTL (30 minutes) is beyond this run, so a drop-in in
        # /run (gone at the next boot) moves each timer's OnBootSec to 20 s from now, and its
        # AccuracySec to a second (not a minute of waiting), the one change to our units; the timer
        # then starts the guard's unit, which powers the host off. The probe stops first: its sends
        # would outlive their delivery timeout while the broker is off.
        probe.stop()
        for remote in remotes.values():
            soon_s = (time.monotonic_ns() // 1000 - userspace_start_us(remote)) // 10**6 + 20
            remote.run(f"sudo mkdir -p {TTL_DROP_IN.rsplit('/', 1)[0]} && printf '[Timer]\\nOnBootSec=\\nOnBootSec=%ss\\nAccuracySec=1s\\n' "
                       f"{soon_s} | sudo tee {TTL_DROP_IN} >/dev/null && sudo systemctl daemon-reload && "
                       f"sudo systemctl restart {TTL_UNIT}.timer")
            assert abs(ttl_elapse_after_start(remote) - soon_s * 10**6) < 5 * 10**6
        # Up to 20 s, then each host's shutdown (Logstash may take its TimeoutStopSec, 2 min, to stop).
        deadline = time.monotonic() + 300
        while running := [m for m in r.machines().values() if hosts.machine_running(r.bridge, m)]:
            assert time.monotonic() < deadline, f"the TTL timer did not power these hosts off: {running}"
            time.sleep(1)
        # `up` starts them again; every service comes back by itself, from its enabled unit.
        came_back = utc_stamp()
        r.ws.up()
        assert r.hosts() == remotes, "the hosts came back on other addresses than the exports name"
        for name, remote in remotes.items():   # the full TTL again, from the new boot
            assert abs(ttl_elapse_after_start(remote) - ttl_us) < 5 * 10**6, name
        units = {"broker-1": "kafka", "producer": "logstash", "consumer": "logstash"}
        for name, unit in units.items():
            remotes[name].wait_until(f"systemctl is-active --quiet {unit}", 240, f"{unit} after the hosts came back")
        # The operator's tunnel to the broker opens again once its sshd is back.
        bootstrap = r.operator_bootstrap()
        broker_offsets_once_up(bootstrap, "twitter")
        probe = Probe(producer_pipeline(producer), "came-back", interval_s=0.2).start()
        probes.append(probe)
        # The producer's own pipeline makes events again while the probe's sends span its start: its
        # Logstash starts in 60-240 s on CI's two loaded cores, after the unit is already active.
        wait_for(lambda: pipeline_events_since(bootstrap, "twitter", came_back) >= 10, 420,
                 "the pipeline made no events after the hosts came back")

        # Through all of it: nothing acknowledged lost, nothing stored missed; across the sink switch
        # nothing twice (a reboot of the broker may legitimately redeliver, at least once).
        probe.stop()
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
        report(capsys, f"rehearsal 1 broker through a day: first event at the consumer {first:.0f}s after start; "
                       f"{logstash_figures(r, remotes)}; {broker_figure(r, broker)}; probe acknowledged {len(acked)}, "
                       f"of them not in the topic {len(acked - set(in_topic))}; stored {len(in_topic)} / received "
                       f"{len(received)} distinct, {len(before_switch) + len(after_switch) - len(received)} redelivered; "
                       "peak anonymous memory of the Logstash hosts during a re-run "
                       f"{', '.join(f'{k} {v:.0f} MiB' for k, v in peaks.items())}; slowest stages: "
                       + ", ".join(f"{k} {v:.0f}s" for k, v in sorted(stage_durations(remotes).items(), key=lambda kv: -kv[1])[:6])
                       + f"; hosts: {system}; sasl_ssl: plaintext refused, smoke through the tunnel OK, no secret in "
                       "ps, journals or state, logins rotated")
        assert acked - set(in_topic) == set(), "the broker lost acknowledged events"
        assert set(in_topic) - received == set(), f"{len(set(in_topic) - received)} stored events never reached a sink"
        assert received - set(in_topic) == set()
        assert set(before_switch) & set(after_switch) == set(), "events went to both sinks across the switch"

        # 9. The team moves to a Kafka of its own (kafka.provider existing): a real broker this test
        # runs (the release the default deployment runs, configured as our kafka stage renders it)
        # in a namespace on the stack's bridge, as theirs would sit on their network. It takes
        # logins over TLS (SCRAM-SHA-512, its own CA, each login fenced by ACLs), as a team's
        # would: the stack is given the two logins and the CA in config, passwords as secrets. Its
        # topics exist already, as a team's would. The up removes our broker host; both
        # pipelines, on the new bootstrap servers and back to the default sink, carry every
        # acknowledged event through it.
        net = Network("ext", SUBNET.rsplit(".", 1)[0], hosts=("broker",), bridge=r.bridge, first=EXISTING_HOST)
        theirs = Path(tempfile.mkdtemp(prefix="kp-existing-", dir="/var/tmp"))
        seed = Secret(token_urlsafe(32))
        cluster = secured.secured_cluster(make({"kafka": {"security": "sasl_ssl"}}), theirs, seed, tag="ext", net=net)
        try:
            secured.start(cluster)
            assert cluster.broker.bootstrap == EXISTING
            for key in ("kafka.version", "kafka.heapMb", "kafka.downloadUrl", "kafka.sha512", "consumer.sink"):
                r.ws.script("config", "rm", "--path", key)
            r.ws.set("kafka.provider", "existing")
            r.ws.set("kafka.bootstrapServers[0]", EXISTING)
            r.ws.set("kafka.security", "sasl_ssl")
            for role in ("producer", "consumer"):
                r.ws.set(f"kafka.logins.{role}.username", role)
                # On stdin, as a user would pipe it: off the command line, and a URL-safe password
                # may begin with a dash.
                r.ws.set_from_stdin(f"kafka.logins.{role}.password", logins.password(seed, role).value, secret=True)
            r.ws.set_from_stdin("kafka.caCertificate", cluster.ca.read_text())
            # The consumer's journal from here on holds only what comes through the team's Kafka.
            consumer.run("sudo journalctl --rotate --vacuum-time=1s")
            moved_at = time.monotonic()
            r.ws.up()
            outputs = r.ws.outputs()
            assert outputs["bootstrapServers"] == EXISTING and sorted(outputs["hosts"]) == ["consumer", "producer"]
            assert "sshBroker" not in outputs
            assert not [x for x in r.ws.resources() if x["type"] == "kafka-pipeline:index:KafkaServer"]
            assert not hosts.machine_running(r.bridge, r.machines()["kafka-server"]), "our broker host is still running"
            given = [logins.password(seed, role).value for role in ("producer", "consumer")]
            assert not [p for p in given if p in json.dumps(r.ws.resources())], "a login's password in plaintext state"
            remotes = r.hosts()
            first_existing = r.first_event(consumer) - (moved_at - r.began)
            with Probe(producer_pipeline(producer), "existing") as probe:
                time.sleep(10)
            assert probe.failed == [] and probe.acked, (probe.failed[:5], len(probe.acked))
            # Their broker lets no one in without a login: the books are kept as the consumer logs in.
            books = keep_books(r, remotes, EXISTING, probe.acked, login=consumer_login(consumer))
            report(capsys, summary("1 broker, moved to an existing Kafka with logins over TLS", first_existing,
                                   stage_durations(remotes), books, logstash_figures(r, remotes)))
            assert books.lost == 0 and books.received == books.stored > 0, \
                f"{books}\n{lifecycles(remotes, ['consumer'])}"
        finally:
            cluster.stop()
            shutil.rmtree(theirs, ignore_errors=True)
