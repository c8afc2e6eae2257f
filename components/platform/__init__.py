"""Where hosts come from. Components ask the platform for hosts and never which one it is: `aws`
makes EC2 instances, `local` makes systemd-nspawn machines on a private bridge of this machine
(the free rehearsal of the same stack). base.py says what a host is."""
from __future__ import annotations

import pulumi

from components.errors import ConfigError
from components.platform.base import Platform
from components.settings import Settings
from components.stages import kafka, logstash


def create(settings: Settings, tags: dict[str, str]) -> Platform:
    """The platform, once the hosts' sizes are known to fit the heaps asked for (before any resource)."""
    if settings.platform == "local":
        from components.platform import sizes
        from components.platform.local import LocalPlatform
        _check_heaps(settings, sizes.memory_mib)
        return LocalPlatform("pipeline", settings)
    from components.platform.aws import AwsPlatform, Catalog
    catalog = Catalog(settings)
    _check_heaps(settings, lambda kind: catalog.machine(kind).memory_mib)
    return AwsPlatform("pipeline", settings, tags, catalog)


def _check_heaps(settings: Settings, memory_of) -> None:
    wanted = [("kafka.heapMb", settings.kafka.heap_mb, "kafka.instanceType", settings.kafka.instance_type,
               kafka.max_heap_mb)]
    for role in ("producer", "consumer"):
        kind = getattr(settings, role).instance_type
        wanted.append(("logstash.heapMb", settings.logstash.heap_mb, f"{role}.instanceType", kind, logstash.max_heap_mb))
    for key, heap, kind_key, kind, limit in wanted:
        if heap and heap > limit(memory_of(kind)):
            error = ConfigError(key, heap, f"at most {limit(memory_of(kind))} on a {kind} ({kind_key}, "
                                           f"{memory_of(kind)} MiB): the rest is the OS's"
                                           f"{' and the config check' if 'logstash' in key else ''}; "
                                           f"lower it or choose a bigger {kind_key}")
            raise pulumi.RunError(f"{error}\nNothing was created.")
