"""kafka.security sasl_ssl, the broker's side, on a real KRaft broker of the default release
started with the server.properties we render: clients log in with SCRAM-SHA-512 over TLS and do
only what their ACLs allow; the client port refuses plaintext and wrong passwords; brokers' own
listeners take only a certificate from the stack's authority; the loopback operator listener needs
no login. The broker's refusals are asserted by the error Kafka sends, not by a timeout.

The logins and ACLs are made here with Kafka's own ConfigCommand and AclCommand over the operator
listener, as a stage on the broker will make them (issue 18: not built yet)."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import uuid

import pytest

from components.stages import kafka_listeners
from components.stages.kafka_listeners import SCRAM
from tests.integration import jars, tls
from tests.integration.broker import Cluster, env
from tests.integration.conftest import settings_for

pytestmark = pytest.mark.integration

LOGINS = {"producer": "twitter", "consumer": "twitter", "other": "events"}
GROUP = "logstash"
CONFIG_COMMAND = "kafka.admin.ConfigCommand"
ACL_COMMAND = "org.apache.kafka.tools.AclCommand"


@pytest.fixture(scope="module")
def secure(prerequisites, tmp_path_factory):
    settings = settings_for("kraft")
    settings = dataclasses.replace(settings, kafka=dataclasses.replace(settings.kafka, security="sasl_ssl"))
    secrets = tmp_path_factory.mktemp("secrets")
    ca = tls.authority(secrets / "ca")
    cluster = Cluster(settings, tag="sec", subnet="10.213.11",
                      provision=lambda broker: tls.broker_material(secrets / "ca", broker.tls_dir, broker.ip))
    try:
        cluster.start()
    except Exception as error:  # noqa: BLE001
        cluster.stop()
        pytest.fail(f"sasl_ssl broker did not start: {error}", pytrace=False)
    try:
        cluster.broker.create_topics()
        passwords = {}
        for user in LOGINS:
            passwords[user] = secrets / f"{user}.password"
            passwords[user].write_text(uuid.uuid4().hex)
            (secrets / f"{user}.scram").write_text(f"{SCRAM}=password={passwords[user].read_text()}\n")
            admin(cluster, CONFIG_COMMAND, "--alter", "--entity-type", "users", "--entity-name", user,
                  "--add-config-file", str(secrets / f"{user}.scram"))
        admin(cluster, ACL_COMMAND, "--add", "--allow-principal", "User:producer", "--operation", "Write",
              "--operation", "Describe", "--topic", "twitter")
        admin(cluster, ACL_COMMAND, "--add", "--allow-principal", "User:consumer", "--operation", "Read",
              "--topic", "twitter")
        admin(cluster, ACL_COMMAND, "--add", "--allow-principal", "User:consumer", "--operation", "Read",
              "--group", GROUP)
        admin(cluster, ACL_COMMAND, "--add", "--allow-principal", "User:other", "--operation", "All",
              "--topic", "events")
        admin(cluster, ACL_COMMAND, "--add", "--allow-principal", "User:other", "--operation", "Read",
              "--group", "other")
    except BaseException:
        cluster.stop()
        raise
    cluster.ca, cluster.passwords, cluster.secrets = ca, passwords, secrets
    yield cluster
    cluster.stop()


def admin(cluster: Cluster, main: str, *args: str) -> str:
    """A Kafka admin tool on the broker host, through the loopback operator listener (no login)."""
    bootstrap = kafka_listeners.on_broker_bootstrap(cluster.settings, cluster.broker.facts)
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
    return {"user": user, "password_file": str(cluster.passwords[user])}


def test_a_login_writes_and_reads_its_own_topic_over_tls(secure):
    ids = [f"{uuid.uuid4().hex[:8]}-{n}" for n in range(50)]
    sent = attempt(secure, "producer", action="produce", topic="twitter", ids=ids, **login(secure, "producer"))
    assert sent == {"ok": True, "error": None, "ids": ids}
    read = attempt(secure, "consumer", action="consume", topic="twitter", group=GROUP, ids=len(ids),
                   **login(secure, "consumer"))
    assert read["ok"], read
    missing = set(ids) - set(read["ids"])
    assert not missing, f"{len(missing)} acknowledged events never read, e.g. {sorted(missing)[:3]}"


def test_the_client_port_refuses_plaintext(secure):
    result = attempt(secure, "producer", protocol="PLAINTEXT", action="produce", topic="twitter", ids=["x"])
    assert not result["ok"]
    assert result["error"] in ("NoBrokersAvailable", "KafkaTimeoutError"), result


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


def test_a_wrong_password_is_refused_by_the_broker(secure):
    right = list_topics(secure, "producer", secure.passwords["producer"].read_text())
    # The login sees only what its ACLs let it describe.
    assert right.returncode == 0 and right.stdout.split() == ["twitter"], right.stdout + right.stderr
    wrong = list_topics(secure, "producer", "not-" + secure.passwords["producer"].read_text())
    assert wrong.returncode != 0
    assert "SaslAuthenticationException" in wrong.stdout + wrong.stderr, wrong.stdout + wrong.stderr
    assert "invalid credentials" in wrong.stdout + wrong.stderr


# A producer without Write on any topic is refused its idempotent producer id first (Write on a topic
# implies IdempotentWrite since Kafka 2.8): that is the cluster's refusal of the same thing.
REFUSED_WRITE = ("TopicAuthorizationFailedError", "ClusterAuthorizationFailedError")


@pytest.mark.parametrize(("user", "action", "topic", "group", "refusals"), [
    ("producer", "consume", "twitter", GROUP, ("TopicAuthorizationFailedError", "GroupAuthorizationFailedError")),
    ("consumer", "produce", "twitter", None, REFUSED_WRITE),                   # reads, never writes
    ("other", "produce", "twitter", None, ("TopicAuthorizationFailedError",)),  # another's topic
    ("other", "consume", "events", GROUP, ("GroupAuthorizationFailedError",)),  # another's group
])
def test_a_login_does_only_what_its_acls_allow(secure, user, action, topic, group, refusals):
    spec = {"ids": ["x"]} if action == "produce" else {"ids": 1, "group": group}
    result = attempt(secure, "consumer", action=action, topic=topic, **spec, **login(secure, user))
    assert not result["ok"], f"{user} could {action} {topic}: {result}"
    said = f"{result['error']} {result['detail']}"
    assert any(refusal in said for refusal in refusals), result


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
