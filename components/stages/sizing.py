"""Whether the heaps asked for fit the hosts that run them: settings held against each instance
type's memory (as the platform knows it), refused as a config error before anything is created."""
from __future__ import annotations

from collections.abc import Callable

from components.errors import ConfigError
from components.settings import OWN_BROKERS, Settings
from components.stages import kafka, logstash

# Besides the OS, what a Logstash host's memory also holds outside the heap.
_BESIDES = {"kafka.heapMb": "", "logstash.heapMb": " and the config check"}


def check_heaps(settings: Settings, memory_mib: Callable[[str], int]) -> None:
    """Refuses the first heap its host cannot hold; `memory_mib` maps an instance type to its MiB
    (asked only for a heap that is set: on AWS each answer is a call, and a mistyped type is the
    zone check's to name)."""
    wanted = []
    if settings.kafka.provider == OWN_BROKERS:
        wanted.append(("kafka.heapMb", settings.kafka.heap_mb, "kafka.instanceType", settings.kafka.instance_type,
                       kafka.max_heap_mb))
    for role in ("producer", "consumer"):
        wanted.append(("logstash.heapMb", settings.logstash.heap_mb, f"{role}.instanceType",
                       getattr(settings, role).instance_type, logstash.max_heap_mb))
    for key, heap, kind_key, kind, limit in wanted:
        if not heap:
            continue
        memory = memory_mib(kind)
        if heap > limit(memory):
            raise ConfigError(key, heap, f"at most {limit(memory)} on a {kind} ({kind_key}, {memory} MiB): the rest "
                                         f"is the OS's{_BESIDES[key]}; lower it or choose a bigger {kind_key}")
