"""The plugin registries by the config path that chooses from them: what settings check a
source or sink against (handed in from above; settings never import this layer)."""
from components.logstash.sinks import SINKS
from components.logstash.sources import SOURCES

PLUGINS = {"producer.source": SOURCES, "consumer.sink": SINKS}
