"""Stack configuration -> frozen, validated settings, and every name they imply: keys.py declares
the keys, parse.py checks them, model.py holds the result, naming.py derives names, stack.py
reads the stack."""
from components.settings.model import (ConsumerSettings, Credentials, KafkaSettings, LocalSettings,
                                       LogstashSettings, MskSettings, ProducerSettings, Settings, Topic)
from components.settings.naming import (all_topics, consumer_topics, group_id, login_name, login_names,
                                        partitions_key, placement, producer_topic, student_topic)
from components.settings.parse import MSK, OWN_BROKERS, PROJECT, parse
from components.settings.stack import KAFKA_VERSION_OUTPUT, checked, load

__all__ = ["ConsumerSettings", "Credentials", "KafkaSettings", "MskSettings", "LocalSettings", "LogstashSettings", "ProducerSettings", "Settings",
           "Topic", "all_topics", "consumer_topics", "group_id", "login_name", "login_names", "partitions_key", "placement", "producer_topic",
           "student_topic", "MSK", "OWN_BROKERS", "PROJECT", "parse", "load", "checked", "KAFKA_VERSION_OUTPUT"]
