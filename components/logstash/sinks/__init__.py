"""Consumer sinks: `consumer.sink.type` names one of these modules; the keys are the allowed types."""
from components.logstash.plugin import LogstashPlugin
from components.logstash.sinks import file, opensearch, stdout

SINKS: dict[str, LogstashPlugin] = {
    "stdout": stdout,
    "file": file,
    "opensearch": opensearch,
}
