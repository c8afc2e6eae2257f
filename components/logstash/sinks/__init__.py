"""Consumer sinks: `consumer.sink.type` names one of these modules."""
from components.logstash.plugin import LogstashPlugin
from components.logstash.sinks import stdout

SINKS: dict[str, LogstashPlugin] = {
    "stdout": stdout,
}
