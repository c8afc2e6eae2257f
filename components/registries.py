"""Every registry a config key chooses from, by that key's path: what settings check the stack's
choices against (handed in from above; settings never import these layers)."""
from components.logstash.registries import PLUGINS as LOGSTASH_PLUGINS
from components.platform import PLATFORMS
from components.queues import QUEUES

PLUGINS = {"platform": PLATFORMS, "kafka.provider": QUEUES, **LOGSTASH_PLUGINS}
