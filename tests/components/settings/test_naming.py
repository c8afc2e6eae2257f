"""Names the settings imply: which topics a consumer reads, where a pipeline is placed, which key
sets a topic's partitions."""
from components.settings import all_topics, consumer_topics, partitions_key, placement, producer_topic
from tests.settings import make


def test_a_lab_consumer_reads_its_configured_topics_and_a_student_only_their_own():
    s = make({"kafka": {"topics": [{"name": "twitter"}, {"name": "logs"}]}, "consumer": {"topics": ["twitter", "logs"]},
              "students": ["ana"]})
    assert consumer_topics(s, None) == ("twitter", "logs")
    assert consumer_topics(s, "ana") == (producer_topic(s, "ana"),) == ("twitter-ana",)


def test_placement_is_stable_per_student_and_differs_between_students():
    assert placement(None) == 0
    assert placement("ana") == placement("ana") != placement("ben")
    assert placement("ana") != 0


def test_a_students_topic_is_sized_by_the_producers_topic_key():
    s = make({"kafka": {"topics": [{"name": "logs"}, {"name": "twitter"}]}, "producer": {"topic": "twitter"},
              "students": ["ana"]})
    assert partitions_key(s, "logs") == "kafka.topics[0].partitions"
    assert partitions_key(s, "twitter-ana") == "kafka.topics[1].partitions"


def test_a_students_topic_is_made_like_the_producers():
    s = make({"kafka": {"brokers": 3, "topics": [{"name": "twitter", "partitions": 2, "replicationFactor": 2}]},
              "students": ["ana"]})
    ana = next(t for t in all_topics(s) if t.name == "twitter-ana")
    assert (ana.partitions, ana.replication_factor) == (2, 2)
