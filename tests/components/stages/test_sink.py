"""The consumer's pipeline stage: its topics from the brokers into the sink."""
from components.stages import pipeline_files, sink
from components.stages.plan import Facts
from components.stages.kafka import bootstrap_servers
from tests.components.stages.conftest import LOGIN, files


def test_consumer_pipeline_reads_with_metadata_and_prints_it(make_settings):
    plan = sink.plan(make_settings({"kafka": {"topics": [{"name": "twitter", "partitions": 4}]}}),
                     Facts(role="consumer", bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN))
    conf = files(plan)[pipeline_files.CONFIG]
    assert 'group_id => "logstash"' in conf and "consumer_threads => 4" in conf
    assert 'decorate_events => "basic"' in conf and "rubydebug { metadata => true }" in conf


def test_a_students_consumer_reads_the_students_topic_in_its_own_group(make_settings):
    plan = sink.plan(make_settings({"students": ["ana"]}), Facts(role="consumer", bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN,
                                                                student="ana"))
    conf = files(plan)[pipeline_files.CONFIG]
    assert 'topics => ["twitter-ana"]' in conf and 'group_id => "logstash-ana"' in conf


def test_the_service_restarts_on_whatever_it_runs_from(make_settings):
    inputs = sink.plan(make_settings(), Facts(role="consumer", bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN)).env["SERVICE_INPUTS"].split()
    assert {"/etc/logstash/logstash.yml", "/etc/logstash/logstash.env", "/etc/logstash/jvm.options",
            "/etc/systemd/system/logstash.service", pipeline_files.CONFIG, pipeline_files.SECRETS_FILE,
            pipeline_files.PLUGINS_FILE, "/opt/logstash",
            # kafka.security sasl_ssl (the default): the CA it trusts and its login
            pipeline_files.KAFKA_CA, pipeline_files.KAFKA_JAAS} == set(inputs)


def test_the_pipeline_file_is_readable_by_logstash_only(make_settings):
    (config,) = [f for f in sink.plan(make_settings(), Facts(role="consumer", bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN)).files
                 if f.path == pipeline_files.CONFIG]
    assert (config.mode, config.owner) == ("0640", "root:logstash")


def test_plugins_to_install_are_listed_one_a_line_and_secrets_are_counted(make_settings, monkeypatch):
    # OpenSearch's options, but a render that needs two plugins installed.
    import types
    from components.logstash.lscl import Plugin
    from components.logstash.plugin import Piece
    from components.logstash.sinks import SINKS, opensearch
    two = types.SimpleNamespace(**vars(opensearch))
    two.render = lambda options: Piece(blocks=(Plugin("stdout"),), install=("a-one", "b-two"))
    monkeypatch.setitem(SINKS, "opensearch", two)
    plan = sink.plan(make_settings({"consumer": {"sink": {"type": "opensearch", "hosts": ["https://s.example.org:9200"],
                                                          "user": "u", "password": "p"}}}),
                     Facts(role="consumer", bootstrap=bootstrap_servers(("10.0.0.5",)), **LOGIN))
    assert files(plan)[pipeline_files.PLUGINS_FILE] == "a-one\nb-two\n"
    assert plan.env["PIPELINE_PLUGINS"] == "a-one b-two" and plan.env["SECRET_COUNT"] == "2"  # and the Kafka login
