"""The producer's pipeline stage: the source into the topic on every broker."""
from components.stages import pipeline_files, source
from components.stages.plan import Facts
from components.stages.kafka import bootstrap_servers
from tests.components.stages.conftest import LOGIN, files


def test_producer_pipeline_writes_to_the_topic_on_every_broker(make_settings):
    plan = source.plan(make_settings(), Facts(role="producer", bootstrap=bootstrap_servers(("10.0.0.5", "10.0.0.6")), **LOGIN))
    conf = files(plan)[pipeline_files.CONFIG]
    assert 'bootstrap_servers => "10.0.0.5:9092,10.0.0.6:9092"' in conf
    assert 'topic_id => "twitter"' in conf and 'acks => "all"' in conf and "codec => json" in conf
    # Its one secret is its Kafka login (kafka.security sasl_ssl, the default), sent on stdin.
    assert set(plan.secrets) == {"KAFKA_SASL_JAAS_CONFIG"} and "password=" not in conf
    assert plan.stage == "source" and plan.script_name == "pipeline"


def test_a_students_producer_writes_to_the_students_topic(make_settings):
    plan = source.plan(make_settings({"students": ["ana"]}), Facts(role="producer", bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN,
                                                                  student="ana"))
    assert 'topic_id => "twitter-ana"' in files(plan)[pipeline_files.CONFIG]


def test_producer_sends_each_event_at_once_whatever_the_clients_defaults(make_settings):
    # Kafka 4's Java client lingers 5 ms by default; a lab's sparse events would only pay in latency.
    conf = files(source.plan(make_settings(), Facts(role="producer", bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN)))[pipeline_files.CONFIG]
    assert "linger_ms => 0" in conf and "batch_size => 16384" in conf
