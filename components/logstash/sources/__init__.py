"""Producer sources: `producer.source.type` names one of these modules."""
from components.logstash.plugin import LogstashPlugin
from components.logstash.sources import generator

SOURCES: dict[str, LogstashPlugin] = {
    "generator": generator,
}
