import dataclasses

from components.errors import Secret
from components.stages import kafka, kafka_listeners, topics
from components.stages.plan import Facts
from tests.components.stages.conftest import PLAINTEXT, files, props


def secured(settings):
    return dataclasses.replace(settings, kafka=dataclasses.replace(settings.kafka, security="sasl_ssl"))


def tls(facts: Facts) -> Facts:
    """What a sasl_ssl broker's facts carry besides: its key store and the stack's CA."""
    return dataclasses.replace(facts, tls_keystore=Secret("KEY+CERT"), kafka_ca="CA")


def test_sasl_ssl_gives_every_listener_its_protocol(make_settings):
    node = Facts(role="broker", private_ip="10.0.2.10", brokers=("10.0.1.10", "10.0.2.10", "10.0.3.10"), node_id=2)
    p = props(files(kafka.plan(secured(make_settings({"kafka": {"brokers": 3}})), tls(node)))[kafka.CONFIG])
    assert p["listeners"] == ("CLIENT://10.0.2.10:9092,BROKER://10.0.2.10:9091,CONTROLLER://10.0.2.10:9093,"
                              "OPERATOR://127.0.0.1:9095")
    assert p["advertised.listeners"] == "CLIENT://10.0.2.10:9092,BROKER://10.0.2.10:9091,OPERATOR://localhost:9095"
    assert p["listener.security.protocol.map"] == "CLIENT:SASL_SSL,BROKER:SSL,CONTROLLER:SSL,OPERATOR:PLAINTEXT"
    assert p["inter.broker.listener.name"] == "BROKER"
    assert p["controller.listener.names"] == "CONTROLLER"


def test_sasl_ssl_logs_clients_in_with_scram_and_brokers_with_certificates(make_settings, broker):
    p = props(files(kafka.plan(secured(make_settings()), tls(broker)))[kafka.CONFIG])
    assert p["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert p["listener.name.client.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert p["listener.name.client.scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
    assert p["listener.name.broker.ssl.client.auth"] == "required"
    assert p["listener.name.controller.ssl.client.auth"] == "required"
    assert "listener.name.client.ssl.client.auth" not in p and "ssl.client.auth" not in p
    assert (p["ssl.keystore.type"], p["ssl.keystore.location"]) == ("PEM", "/etc/kafka/tls/broker.pem")
    assert (p["ssl.truststore.type"], p["ssl.truststore.location"]) == ("PEM", "/etc/kafka/tls/ca.pem")


def test_sasl_ssl_refuses_whatever_no_acl_allows(make_settings, broker):
    p = props(files(kafka.plan(secured(make_settings()), tls(broker)))[kafka.CONFIG])
    assert p["authorizer.class.name"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert p["allow.everyone.if.no.acl.found"] == "false"
    assert p["super.users"] == "User:CN=kafka-broker;User:ANONYMOUS"


def test_sasl_ssl_puts_no_secret_in_server_properties(make_settings, broker):
    """Keys and passwords live in the TLS folder and the broker's SCRAM store, never in the config."""
    text = files(kafka.plan(secured(make_settings()), tls(broker)))[kafka.CONFIG]
    assert "password" not in text and "PRIVATE KEY" not in text


def test_the_tls_folder_can_be_re_rooted(make_settings, broker):
    p = kafka.server_properties(secured(make_settings()), broker, tls_dir="/srv/tls")
    assert p["ssl.keystore.location"] == "/srv/tls/broker.pem"
    assert p["ssl.truststore.location"] == "/srv/tls/ca.pem"


def test_plaintext_keeps_the_tutorials_listeners(make_settings, broker):
    p = props(files(kafka.plan(make_settings(PLAINTEXT), broker))[kafka.CONFIG])
    assert p["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,OPERATOR:PLAINTEXT"
    assert p["inter.broker.listener.name"] == "PLAINTEXT"
    assert not [k for k in p if k.startswith(("ssl.", "sasl.", "authorizer", "super.users", "listener.name."))]


def test_zookeeper_plaintext_has_no_controller_listener(make_settings, broker):
    p = props(files(kafka.plan(make_settings({"kafka": {"version": "3.9.1", "mode": "zookeeper"}}), broker))[kafka.CONFIG])
    assert p["listeners"] == "PLAINTEXT://10.0.0.5:9092,OPERATOR://127.0.0.1:9094"
    assert p["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,OPERATOR:PLAINTEXT"
    assert p["advertised.listeners"] == "PLAINTEXT://10.0.0.5:9092,OPERATOR://localhost:9094"


def test_tools_on_the_broker_use_the_loopback_listener_with_sasl_ssl(make_settings):
    node = Facts(role="broker", private_ip="10.0.0.7", node_id=3)
    assert kafka_listeners.on_broker_bootstrap(make_settings(PLAINTEXT), node.private_ip, node.node_id) == "10.0.0.7:9092"
    assert kafka_listeners.on_broker_bootstrap(secured(make_settings()), node.private_ip, node.node_id) == "localhost:9096"
    plan = topics.plan(secured(make_settings()), node)
    assert plan.env["BOOTSTRAP"] == "localhost:9096"
    assert all(line.split()[1] == "localhost:9096" for line in files(plan)[topics.ARGS_FILE].splitlines())


def test_sasl_ssl_places_the_ca_and_sends_the_key_on_stdin_only(make_settings, broker):
    plan = kafka.plan(secured(make_settings()), tls(broker))
    assert files(plan)["/etc/kafka/tls/ca.pem"] == "CA"
    assert "/etc/kafka/tls/broker.pem" not in files(plan)
    assert plan.secrets == {"KAFKA_KEYSTORE": Secret("KEY+CERT")}
    assert "KEY+CERT" not in "".join(plan.bundle().values())
    assert plan.env["KAFKA_KEYSTORE_FILE"] == "/etc/kafka/tls/broker.pem"
    # A new key or CA restarts the broker; nothing else of theirs does.
    assert {"/etc/kafka/tls/ca.pem", "/etc/kafka/tls/broker.pem"} <= set(plan.env["SERVICE_INPUTS"].split())


def test_plaintext_brokers_carry_no_tls(make_settings, broker):
    plan = kafka.plan(make_settings(PLAINTEXT), broker)
    assert plan.secrets == {} and plan.env["KAFKA_KEYSTORE_FILE"] == ""
    assert not [f for f in plan.files if f.path.startswith("/etc/kafka/tls")]
    assert plan.env["SERVICE_INPUTS"] == "/etc/kafka/server.properties /etc/kafka/kafka.env " \
                                         "/etc/systemd/system/kafka.service /opt/kafka"


def test_a_sasl_ssl_broker_without_its_key_says_what_is_missing(make_settings, broker):
    import pytest
    with pytest.raises(ValueError, match="tls_keystore and Facts.kafka_ca"):
        kafka.plan(secured(make_settings()), dataclasses.replace(broker, tls_keystore=None))
