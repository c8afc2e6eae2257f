"""Who may talk to a broker, and how: the listener part of server.properties, per kafka.security.

plaintext: the tutorial's shape. Every listener speaks PLAINTEXT and anyone who reaches the client
port may do anything.

sasl_ssl (KRaft): clients log in with SCRAM-SHA-512 over TLS on the client port; brokers and
controllers talk to each other on listeners of their own over mutual TLS, with certificates from
the stack's own authority; Kafka's authorizer refuses whatever no ACL allows. The operator's
listener stays PLAINTEXT, bound to the broker's loopback: it is reached only through the operator's
SSH login to the broker, which is the authentication that matters there, so its anonymous
principal is a super user and `make smoke`, `make status` and the exported commands need no Kafka
password. No SCRAM login is made at format time either (that would put a password on a command
line): the operator's listener creates the clients' logins once the broker runs.
"""
from __future__ import annotations

from components.settings import Settings
from components.settings.keys import KAFKA_SECURITY as SECURITY
from components.stages.plan import Facts
CLIENT_PORT = 9092
CONTROLLER_PORT = 9093
# sasl_ssl: replication between brokers, apart from the clients' port so it needs no password.
BROKER_PORT = 9091
# Bound to the broker's loopback and advertised as localhost: reachable only through an SSH tunnel.
# Broker n listens on OPERATOR_PORT + n - 1, so one tunnel per broker gives the operator every
# broker under the address it advertises, whichever one leads a partition.
OPERATOR_PORT = 9094

TLS_DIR = "/etc/kafka/tls"
# The broker's PKCS#8 key followed by its certificate (Kafka's PEM key store reads both from one
# file, and only unencrypted PKCS#8 keys without a password), and the stack's CA certificate.
KEYSTORE_FILE = "broker.pem"
TRUSTSTORE_FILE = "ca.pem"
SCRAM = "SCRAM-SHA-512"
# Every broker's certificate names this one subject (its address is in the certificate's SAN):
# a single RDN, because Kafka's principal is the subject in RFC 2253 order, which reverses a
# multi-part subject.
BROKER_SUBJECT = "CN=kafka-broker"
STANDARD_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
SCRAM_SERVER_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;"


def operator_port(node_id: int) -> int:
    return OPERATOR_PORT + node_id - 1


def on_broker_bootstrap(settings: Settings, private_ip: str, node_id: int = 1) -> str:
    """What a tool run on broker `node_id` itself dials: with sasl_ssl the loopback operator
    listener, which needs no login, else the client port as before."""
    if settings.kafka.security == "sasl_ssl":
        return f"localhost:{operator_port(node_id)}"
    return f"{private_ip}:{CLIENT_PORT}"


def listeners(settings: Settings, facts: Facts, tls_dir: str = TLS_DIR) -> dict[str, object]:
    """The listeners, their protocols and, with sasl_ssl, TLS, SASL and the authorizer."""
    ip, operator = facts.private_ip, operator_port(facts.node_id)
    kraft = settings.kafka.mode == "kraft"
    if settings.kafka.security == "plaintext":
        bound = {"PLAINTEXT": f"{ip}:{CLIENT_PORT}", **({"CONTROLLER": f"{ip}:{CONTROLLER_PORT}"} if kraft else {}),
                 "OPERATOR": f"127.0.0.1:{operator}"}
        return {
            "listeners": joined(bound),
            "advertised.listeners": f"PLAINTEXT://{ip}:{CLIENT_PORT},OPERATOR://localhost:{operator}",
            "listener.security.protocol.map": ("CONTROLLER:PLAINTEXT," if kraft else "")
                                              + "PLAINTEXT:PLAINTEXT,OPERATOR:PLAINTEXT",
            "inter.broker.listener.name": "PLAINTEXT",
        }
    bound = {"CLIENT": f"{ip}:{CLIENT_PORT}", "BROKER": f"{ip}:{BROKER_PORT}", "CONTROLLER": f"{ip}:{CONTROLLER_PORT}",
             "OPERATOR": f"127.0.0.1:{operator}"}
    return {
        "listeners": joined(bound),
        "advertised.listeners": f"CLIENT://{ip}:{CLIENT_PORT},BROKER://{ip}:{BROKER_PORT},OPERATOR://localhost:{operator}",
        "listener.security.protocol.map": "CLIENT:SASL_SSL,BROKER:SSL,CONTROLLER:SSL,OPERATOR:PLAINTEXT",
        "inter.broker.listener.name": "BROKER",
        "sasl.enabled.mechanisms": SCRAM,
        "listener.name.client.sasl.enabled.mechanisms": SCRAM,
        f"listener.name.client.{SCRAM.lower()}.sasl.jaas.config": SCRAM_SERVER_JAAS,
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": f"{tls_dir}/{KEYSTORE_FILE}",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": f"{tls_dir}/{TRUSTSTORE_FILE}",
        # Only a holder of a certificate from the stack's CA, i.e. a broker, replicates or votes.
        "listener.name.broker.ssl.client.auth": "required",
        "listener.name.controller.ssl.client.auth": "required",
        "authorizer.class.name": STANDARD_AUTHORIZER,
        "allow.everyone.if.no.acl.found": False,
        "super.users": f"User:{BROKER_SUBJECT};User:ANONYMOUS",
    }


def joined(bound: dict[str, str]) -> str:
    return ",".join(f"{name}://{address}" for name, address in bound.items())
