"""Producer sources: `producer.source.type` names one of these modules; the keys are the allowed types."""
from components.logstash.plugin import LogstashPlugin
from components.logstash.sources import file, generator, http_poller, twitter

SOURCES: dict[str, LogstashPlugin] = {
    "generator": generator,
    "http_poller": http_poller,
    "twitter": twitter,
    "file": file,
}
