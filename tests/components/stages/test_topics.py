"""The topics stage: created if missing, partitions added where asked, once the cluster serves."""
from components.settings import all_topics
from components.stages import topics
from components.stages.plan import Facts
from tests.components.stages.conftest import files


def test_topics_are_created_if_missing_with_their_settings(make_settings, broker):
    s = make_settings({"kafka": {"topics": [{"name": "a", "partitions": 3}, {"name": "b"}]}})
    plan = topics.plan(s, broker)
    assert files(plan)[topics.ARGS_FILE].splitlines() == [
        # sasl_ssl (the default): through the broker's loopback operator listener, which needs no login
        "--bootstrap-server localhost:9094 --create --if-not-exists --topic a --partitions 3 --replication-factor 1",
        "--bootstrap-server localhost:9094 --create --if-not-exists --topic b --partitions 1 --replication-factor 1",
    ]
    # The sizes the stage compares with the broker's, to add partitions to a live topic.
    assert files(plan)[topics.SIZES_FILE] == "a 3\nb 1\n"


def test_each_student_gets_a_topic_shaped_like_the_producers(make_settings):
    s = make_settings({"students": ["ana", "ben"], "kafka": {"topics": [{"name": "t", "partitions": 2}]}})
    assert [(t.name, t.partitions) for t in all_topics(s)] == [("t", 2), ("t-ana", 2), ("t-ben", 2)]


def test_topics_wait_for_every_broker_of_a_quorum(make_settings):
    quorum = Facts(role="broker", private_ip="10.0.0.5", brokers=("10.0.0.5", "10.0.0.6", "10.0.0.7"))
    env = topics.plan(make_settings({"kafka": {"brokers": 3}}), quorum).env
    assert env["CLUSTER"] == "10.0.0.5:9092 10.0.0.6:9092 10.0.0.7:9092"
    assert int(env["CLUSTER_TIMEOUT"]) >= 600
