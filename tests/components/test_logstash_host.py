"""Producer and consumer hosts under mocks: the brokers' IPs in their pipelines, and only that."""
from __future__ import annotations

from tests.program import DEV, rendered, run



def test_producer_and_consumer_configs_carry_the_brokers_private_ip(dev):
    broker_ip = dev.value("brokerPrivateIps")[0]
    producer = rendered(dev, "kafka-producer", "source")["files/000"]
    consumer = rendered(dev, "kafka-consumer", "sink")["files/000"]
    assert f'bootstrap_servers => "{broker_ip}:9092"' in producer
    assert f'bootstrap_servers => "{broker_ip}:9092"' in consumer
    assert dev.value("bootstrapServers") == f"{broker_ip}:9092"



def test_producer_and_consumer_wait_for_the_brokers_ip_not_its_installation(plain):
    for host, stage in (("kafka-producer", "source"), ("kafka-consumer", "sink")):
        waits = plain.waits_for(f"{host}-{stage}")
        assert "kafka-server" in waits  # the instance: its private IP is in the pipeline config
        assert not any(w.startswith("kafka-server-") for w in waits), sorted(waits)
        assert {f"{host}-base", f"{host}-logstash", f"{host}-{stage}-files"} <= waits


def test_with_logins_each_pipeline_starts_only_once_its_login_exists(monkeypatch):
    """Logstash's kafka output drops what the broker refuses for a login or grant not made yet
    (seen on a 3-broker class: SaslAuthenticationException, then TopicAuthorizationException, each
    "dropping record"), so with kafka.security sasl_ssl the pipeline stage waits for the logins stage;
    Logstash itself and the OS still install while the brokers come up."""
    secured = run({**DEV, "kafka": {"security": "sasl_ssl"}}, monkeypatch=monkeypatch)
    for host, stage in (("kafka-producer", "source"), ("kafka-consumer", "sink")):
        waits = secured.waits_for(f"{host}-{stage}")
        assert "kafka-server-logins" in waits, sorted(waits)
        assert "kafka-server-logins" not in secured.waits_for(f"{host}-logstash")



def test_class_stack_gives_each_student_a_pipeline(monkeypatch):
    result = run({**DEV, "students": ["ana", "ben", "cho"]}, stack="class", monkeypatch=monkeypatch)
    names = sorted(r.name for r in result.of_type("aws:ec2/instance:Instance"))
    assert names == ["kafka-consumer-ana", "kafka-consumer-ben", "kafka-consumer-cho",
                     "kafka-producer-ana", "kafka-producer-ben", "kafka-producer-cho", "kafka-server"]
    students = result.value("students")
    assert students["ben"]["topic"] == "twitter-ben"
    assert result.value("topics") == ["twitter", "twitter-ana", "twitter-ben", "twitter-cho"]
    consumer = rendered(result, "kafka-consumer-ben", "sink")["files/000"]
    assert 'topics => ["twitter-ben"]' in consumer and 'group_id => "logstash-ben"' in consumer
