"""Who may log in to our brokers with kafka.security sasl_ssl, and what each login may do: a SCRAM
login per producer and per consumer (per student in a class), fenced by ACLs to its own topic and
its own consumer group. Run on the first broker through the loopback operator listener, after the
topics stage; the passwords reach it on stdin, never on a command line.

Passwords are derived from one per-stack secret seed and the login's name, so the broker's stage and
each Logstash host's pipeline stage compute the same password without passing it around, it stays the
same from one `up` to the next, and a new seed changes them all."""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from components.errors import Secret
from components.settings import Settings, consumer_topics, group_id, login_name, producer_topic
from components.stages.kafka import HOME
from components.stages.kafka_listeners import SCRAM, on_broker_bootstrap
from components.stages.plan import Facts, File, Plan

NAME = "logins"

# One login a line: its name and the AclCommand arguments of one grant, after --add / --remove.
ACLS_FILE = "/etc/kafka/logins.acls"
# On the broker, root only: what the stage last applied for each login, so a re-run acts only on a
# change and a login no longer wanted loses its password and its grants.
STATE_DIR = "/var/lib/kafka-pipeline/logins"
PASSWORD_BYTES = 24


@dataclass(frozen=True)
class Login:
    name: str
    # Each grant: AclCommand arguments naming the operation(s) and the resource.
    grants: tuple[tuple[str, ...], ...]


def logins(settings: Settings) -> tuple[Login, ...]:
    """The producer writes (and describes) its topic only; the consumer reads its topics and its
    own group only. Idempotent producing needs no more: Write on a topic implies IdempotentWrite."""
    found = []
    for student in settings.students or (None,):
        found.append(Login(login_name("producer", student), (
            ("--operation", "Write", "--operation", "Describe", "--topic", producer_topic(settings, student)),)))
        found.append(Login(login_name("consumer", student), tuple(
            ("--operation", "Read", "--operation", "Describe", "--topic", topic)
            for topic in consumer_topics(settings, student)) + (
            ("--operation", "Read", "--group", group_id(settings, student)),)))
    return tuple(found)


def password(seed: Secret, name: str) -> Secret:
    """The login's password: HMAC-SHA256 of its name under the stack's seed, URL-safe base64 (no
    character that Kafka's SCRAM config syntax or a JAAS string would need quoted)."""
    digest = hmac.new(seed.value.encode(), f"kafka-login:{name}".encode(), hashlib.sha256).digest()
    return Secret(base64.urlsafe_b64encode(digest[:PASSWORD_BYTES]).decode())


def acl_lines(found: tuple[Login, ...]) -> str:
    return "".join(f"{login.name} {' '.join(grant)}\n" for login in found for grant in login.grants)


def plan(settings: Settings, facts: Facts) -> Plan:
    found = logins(settings)
    if facts.login_seed is None:
        raise ValueError("the logins stage needs the stack's login seed (Facts.login_seed)")
    return Plan(stage=NAME, files=(File(ACLS_FILE, acl_lines(found), "0600"),), env={
        "KAFKA_HOME": HOME,
        "BOOTSTRAP": on_broker_bootstrap(settings, facts.private_ip, facts.node_id),
        "SCRAM_MECHANISM": SCRAM,
        "LOGIN_ACLS": ACLS_FILE,
        "LOGIN_STATE": STATE_DIR,
        # Our brokers keep the passwords too, and the loopback listener needs no login.
        "LOGIN_PASSWORDS": "1",
        "COMMAND_CONFIG": "",
    }, secrets={login.name: password(facts.login_seed, login.name) for login in found})
