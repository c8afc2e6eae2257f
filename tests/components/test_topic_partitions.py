"""A lowered partition count is refused when the engine checks the new inputs against the last
deployment's (at preview), naming the key; raising one is fine."""
from components.topic_partitions import TopicPartitionsProvider


def topics(**counts):
    return {"topics": {name: {"partitions": float(n), "key": "kafka.topics[0].partitions"} for name, n in counts.items()}}


def test_raising_or_keeping_partitions_passes():
    provider = TopicPartitionsProvider()
    assert provider.check(topics(twitter=1), topics(twitter=3)).failures == []
    assert provider.check(topics(twitter=3), topics(twitter=3, events=1)).failures == []
    assert provider.check({}, topics(twitter=2)).failures == []


def test_lowering_partitions_is_refused_naming_the_key():
    (failure,) = TopicPartitionsProvider().check(topics(twitter=3), topics(twitter=1)).failures
    assert failure.reason.startswith("invalid config kafka.topics[0].partitions = 1: topic twitter has 3 partitions")
    assert "Kafka cannot shrink a topic" in failure.reason


def test_a_changed_count_is_an_update_never_a_replacement():
    diff = TopicPartitionsProvider().diff("topics", topics(twitter=1), topics(twitter=2))
    assert diff.changes and not diff.replaces
