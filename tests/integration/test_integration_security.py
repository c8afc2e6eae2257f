"""kafka.security sasl_ssl on a real KRaft broker of the default release, started with the
server.properties we render, its logins and grants made by the logins stage's own script (run in
the broker's namespace with Kafka's ConfigCommand and AclCommand behind the launchers it calls):
each student's producer and consumer log in with SCRAM-SHA-512 over TLS and do only what their
grants allow; the client port refuses plaintext and wrong passwords; the brokers' own listener takes
only a certificate from the stack's authority; a student removed from the class loses login and
grants. The broker's refusals are asserted by the error Kafka sends, not by a timeout."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from components.errors import Secret
from components.stages import kafka_listeners, logins
from components.stages.kafka_listeners import SCRAM
from components.stages import pipeline_files, sink, source
from components.stages.plan import Plan
from tests.integration import jars
from tests.integration.broker import Cluster, env
from tests.integration.conftest import MODES, TOPICS
from tests.integration.flow import stored_records
from tests.integration.jvm import rooted
from tests.integration.logstash import Logstash, install, printed_events
from tests.integration import secured
from tests.integration.secured import LAUNCHERS, login_facts, place_login_files, run_logins_stage, secured_cluster
from tests.settings import make

CLASS = ["alice", "bob"]
SEED = Secret(uuid.uuid4().hex)

pytestmark = pytest.mark.integration


def class_settings(students: list[str], **raw):
    return make({"kafka": {**MODES["kraft"], "topics": TOPICS, "security": "sasl_ssl"}, "students": students, **raw},
                stack="integration")


@pytest.fixture(scope="module")
def secure(prerequisites, tmp_path_factory):
    yield from secured.serve(secured_cluster(class_settings(CLASS), tmp_path_factory.mktemp("secrets"), SEED,
                                             tag="sec", subnet="10.213.11"))


def admin(cluster: Cluster, main: str, *args: str) -> str:
    """A Kafka admin tool on the broker host, through the loopback operator listener (no login)."""
    bootstrap = kafka_listeners.on_broker_bootstrap(cluster.settings, cluster.broker.ip)
    result = cluster.broker.java(main, ["--bootstrap-server", bootstrap, *args], timeout=120)
    assert result.returncode == 0, f"{main} {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def attempt(cluster: Cluster, host: str, **spec) -> dict:
    spec = {"bootstrap": cluster.broker.bootstrap, "protocol": "SASL_SSL", "cafile": str(cluster.ca), **spec}
    result = subprocess.run(cluster.net.cmd(host, [sys.executable, "-m", "tests.integration.login_client", json.dumps(spec)]),
                            capture_output=True, text=True, timeout=120, env=env(), cwd=str(jars.ROOT))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def login(cluster: Cluster, user: str) -> dict:
    """The user's password, as the stage derived it, in a file the client reads."""
    path = cluster.secrets / f"{user}.password"
    path.write_text(logins.password(SEED, user).value)
    return {"user": user, "password_file": str(path)}


def java_login(cluster: Cluster, user: str, password: str) -> str:
    """A Java client's properties for `user`, as Kafka documents SCRAM over TLS with PEM trust."""
    path = cluster.secrets / f"{user}-{uuid.uuid4().hex[:6]}.properties"
    path.write_text("security.protocol=SASL_SSL\n"
                    f"sasl.mechanism={SCRAM}\n"
                    f'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required '
                    f'username="{user}" password="{password}";\n'
                    "ssl.truststore.type=PEM\n"
                    f"ssl.truststore.location={cluster.ca}\n")
    return str(path)


def list_topics(cluster: Cluster, user: str, password: str):
    return cluster.broker.java(jars.MAIN_CLASSES["topics"], [
        "--bootstrap-server", cluster.broker.bootstrap, "--list", "--command-config",
        java_login(cluster, user, password)], timeout=120, host="producer")


def test_a_students_logins_write_and_read_their_own_topic_over_tls(secure):
    ids = [f"{uuid.uuid4().hex[:8]}-{n}" for n in range(50)]
    sent = attempt(secure, "producer", action="produce", topic="twitter-alice", ids=ids,
                   **login(secure, "producer-alice"))
    assert sent == {"ok": True, "error": None, "ids": ids}
    read = attempt(secure, "consumer", action="consume", topic="twitter-alice", group="logstash-alice",
                   ids=len(ids), **login(secure, "consumer-alice"))
    assert read["ok"], read
    missing = set(ids) - set(read["ids"])
    assert not missing, f"{len(missing)} acknowledged events never read, e.g. {sorted(missing)[:3]}"


def test_the_client_port_refuses_plaintext(secure):
    result = attempt(secure, "producer", protocol="PLAINTEXT", action="produce", topic="twitter-alice", ids=["x"])
    assert not result["ok"]
    assert result["error"] in ("NoBrokersAvailable", "KafkaTimeoutError"), result


def test_a_wrong_password_is_refused_by_the_broker(secure):
    right = list_topics(secure, "producer-alice", logins.password(SEED, "producer-alice").value)
    # A login sees only the topics its grants let it describe.
    assert right.returncode == 0 and right.stdout.split() == ["twitter-alice"], right.stdout + right.stderr
    wrong = list_topics(secure, "producer-alice", logins.password(SEED, "producer-bob").value)
    assert wrong.returncode != 0
    assert "SaslAuthenticationException" in wrong.stdout + wrong.stderr, wrong.stdout + wrong.stderr
    assert "invalid credentials" in wrong.stdout + wrong.stderr


# A producer without Write on any topic is refused its idempotent producer id first (Write on a topic
# implies IdempotentWrite since Kafka 2.8): that is the cluster's refusal of the same thing.
REFUSED_WRITE = ("TopicAuthorizationFailedError", "ClusterAuthorizationFailedError")
REFUSED_READ = ("TopicAuthorizationFailedError", "GroupAuthorizationFailedError")


@pytest.mark.parametrize(("user", "action", "topic", "group", "refusals"), [
    ("producer-alice", "consume", "twitter-alice", "logstash-alice", REFUSED_READ),  # writes, never reads
    ("consumer-alice", "produce", "twitter-alice", None, REFUSED_WRITE),              # reads, never writes
    ("producer-bob", "produce", "twitter-alice", None, ("TopicAuthorizationFailedError",)),  # another's topic
    ("consumer-bob", "consume", "twitter-alice", "logstash-bob", ("TopicAuthorizationFailedError",)),
    ("consumer-bob", "consume", "twitter-bob", "logstash-alice", ("GroupAuthorizationFailedError",)),  # another's group
    ("producer-bob", "produce", "events", None, ("TopicAuthorizationFailedError",)),  # a topic of no student
])
def test_a_login_does_only_what_its_grants_allow(secure, user, action, topic, group, refusals):
    spec = {"ids": ["x"]} if action == "produce" else {"ids": 1, "group": group}
    result = attempt(secure, "consumer", action=action, topic=topic, **spec, **login(secure, user))
    assert not result["ok"], f"{user} could {action} {topic}: {result}"
    said = f"{result['error']} {result['detail']}"
    assert any(refusal in said for refusal in refusals), result


@pytest.mark.parametrize("user", ["producer-bob", "consumer-bob"])
def test_a_login_cannot_delete_another_students_topic(secure, user):
    result = attempt(secure, "consumer", action="delete", topic="twitter-alice", ids=[], **login(secure, user))
    assert not result["ok"] and "TopicAuthorizationFailedError" in f"{result['error']} {result['detail']}", result
    kept = list_topics(secure, "producer-alice", logins.password(SEED, "producer-alice").value)
    assert kept.stdout.split() == ["twitter-alice"], kept.stdout + kept.stderr


def test_the_broker_listener_takes_only_a_certificate_from_the_stack(secure):
    """Replication needs no password because only brokers hold a certificate: a TLS client that
    trusts the broker but shows none is refused in the handshake."""
    code = ("import socket, ssl, sys\n"
            f"ctx = ssl.create_default_context(cafile={str(secure.ca)!r})\n"
            f"s = ctx.wrap_socket(socket.create_connection(({secure.broker.ip!r}, {kafka_listeners.BROKER_PORT}), 10),"
            f" server_hostname={secure.broker.ip!r})\n"
            "try:\n    s.sendall(b'\\0\\0\\0\\0'); s.recv(1)\nexcept (ssl.SSLError, ConnectionError) as e:\n"
            "    print(type(e).__name__, e); sys.exit(3)\n")
    result = secure.net.run("producer", [sys.executable, "-c", code], timeout=30)
    assert result.returncode == 3, f"no refusal: {result.returncode} {result.stdout}{result.stderr}"
    assert "CERTIFICATE" in result.stdout.upper(), result.stdout


def test_the_logins_stage_made_every_login_once_and_converges(secure):
    made = secure.first_logins.stderr
    for name in ("producer-alice", "consumer-alice", "producer-bob", "consumer-bob"):
        assert f"login {name}: password set" in made
    again = run_logins_stage(secure, class_settings(CLASS))
    assert "login " not in again.stderr, f"a re-run changed something:\n{again.stderr}"
    granted = admin(secure, LAUNCHERS["kafka-acls.sh"], "--list", "--principal", "User:consumer-bob")
    assert granted.count("operation=") == 3, granted  # Read and Describe on the topic, Read on the group


def deploy_logstash(cluster: Cluster, home: Path, settings, role: str, student: str) -> Logstash:
    """The student's pipeline as its stage renders it, on the role's simulated host with the files
    it refers to there (secured.place_login_files) and the secrets file's variables in Logstash's
    environment. The host's paths are re-rooted, as the harness does for every path."""
    plan = {"producer": source, "consumer": sink}[role].plan(settings, login_facts(cluster, role, student))
    root = cluster.hosts[role].root
    text = files_of(plan)[pipeline_files.CONFIG]
    for path in (pipeline_files.KAFKA_CA, pipeline_files.KAFKA_JAAS):
        text = text.replace(f'"{path}"', f'"{rooted(root, path)}"')
    host = place_login_files(cluster, role, plan)
    process = Logstash(cluster.net, home, root, role, text, env=dict(host.env))
    return process.start()


def files_of(plan: Plan) -> dict[str, str]:
    return {f.path: f.content for f in plan.files}


def test_real_logstash_pipelines_log_in_and_carry_every_event(secure):
    """Logstash 9.2.8's kafka output (jaas_path) and input (sasl_jaas_config from the environment)
    with the options we render, as alice's producer and consumer, over SASL_SSL."""
    settings = class_settings(CLASS, producer={"source": {"type": "generator", "count": 200, "eventsPerSecond": 100}},
                              consumer={"sink": {"type": "stdout"}})
    home = install()
    consumer = deploy_logstash(secure, home, settings, "consumer", "alice")
    try:
        consumer.wait_started()
        producer = deploy_logstash(secure, home, settings, "producer", "alice")
        try:
            assert producer.proc.wait(timeout=240) == 0, producer.output()[-3000:]
        finally:
            producer.kill()
        stored = stored_records(secure, "twitter-alice")
        generated = [r for r in stored if r["value"].get("sensor") == "lab-1"]
        assert sorted(r["value"]["sequence"] for r in generated) == list(range(200)), "each event stored once"
        expected = {("twitter-alice", r["partition"], r["offset"]) for r in generated}
        deadline = time.monotonic() + 120
        while not expected <= set(printed_events(consumer.output())) and time.monotonic() < deadline:
            time.sleep(1)
        printed = printed_events(consumer.output())
        missing = expected - set(printed)
        assert not missing, f"{len(missing)} stored events never printed:\n{consumer.output()[-3000:]}"
        assert len(printed) == len(set(printed)), "an event printed twice"
    finally:
        consumer.kill()


def test_a_student_removed_from_the_class_loses_login_and_grants(secure):
    """Runs last: bob leaves; alice's logins keep working."""
    removed = run_logins_stage(secure, class_settings(["alice"]))
    assert "login producer-bob: removed" in removed.stderr and "login consumer-bob: removed" in removed.stderr
    refused = list_topics(secure, "producer-bob", logins.password(SEED, "producer-bob").value)
    assert "SaslAuthenticationException" in refused.stdout + refused.stderr, refused.stdout + refused.stderr
    granted = admin(secure, LAUNCHERS["kafka-acls.sh"], "--list", "--principal", "User:consumer-bob")
    assert "operation=" not in granted, granted
    kept = list_topics(secure, "producer-alice", logins.password(SEED, "producer-alice").value)
    assert kept.returncode == 0 and kept.stdout.split() == ["twitter-alice"], kept.stdout + kept.stderr


def test_a_new_login_seed_sets_new_passwords_and_the_old_ones_are_refused(secure):
    """What `make rotate-logins` does to the brokers: the stack's login seed is replaced, so the
    logins stage sets a new password for every login, and the old one stops working. Runs last."""
    old, secure.seed = secure.seed, Secret(uuid.uuid4().hex)
    rotated = run_logins_stage(secure, class_settings(["alice"]))
    for name in ("producer-alice", "consumer-alice"):
        assert f"login {name}: password set" in rotated.stderr, rotated.stderr
    refused = list_topics(secure, "producer-alice", logins.password(old, "producer-alice").value)
    assert "SaslAuthenticationException" in refused.stdout + refused.stderr, refused.stdout + refused.stderr
    rotated_in = list_topics(secure, "producer-alice", logins.password(secure.seed, "producer-alice").value)
    assert rotated_in.returncode == 0 and rotated_in.stdout.split() == ["twitter-alice"], rotated_in.stdout + rotated_in.stderr
