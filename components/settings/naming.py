"""Every name the settings imply: a student's topic, consumer group and Kafka login, the topics a
producer writes and a consumer reads, where a student's hosts are placed, which key sets a topic's size."""
from __future__ import annotations

import zlib

from components.settings.model import Settings, Topic


def student_topic(topic: str, student: str) -> str:
    return f"{topic}-{student}"


def all_topics(settings: Settings) -> tuple[Topic, ...]:
    """The configured topics plus, in class mode, one `<producer topic>-<student>` per student,
    shaped like the producer's topic."""
    base = next(t for t in settings.kafka.topics if t.name == settings.producer.topic)
    return settings.kafka.topics + tuple(
        Topic(student_topic(base.name, s), base.partitions, base.replication_factor) for s in settings.students)


def producer_topic(settings: Settings, student: str | None) -> str:
    return student_topic(settings.producer.topic, student) if student else settings.producer.topic


def consumer_topics(settings: Settings, student: str | None) -> tuple[str, ...]:
    return (producer_topic(settings, student),) if student else settings.consumer.topics


def group_id(settings: Settings, student: str | None) -> str:
    return f"{settings.consumer.group_id}-{student}" if student else settings.consumer.group_id


def login_name(role: str, student: str | None) -> str:
    """A pipeline's Kafka login: `producer`, `consumer`, or `producer-<student>`, ... in a class."""
    return f"{role}-{student}" if student else role


def login_names(settings: Settings) -> tuple[str, ...]:
    return tuple(login_name(role, s) for s in settings.students or (None,) for role in ("producer", "consumer"))


def placement(student: str | None) -> int:
    """A stable number per student (0 without one) that spreads pipelines over zones."""
    return zlib.crc32(student.encode()) if student else 0


def partitions_key(settings: Settings, topic: str) -> str:
    """The config key that sets a topic's partitions (a student's topic follows the producer's)."""
    names = [t.name for t in settings.kafka.topics]
    index = names.index(topic) if topic in names else names.index(settings.producer.topic)
    return f"kafka.topics[{index}].partitions"
