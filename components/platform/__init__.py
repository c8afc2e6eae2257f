"""Where hosts come from. A platform turns a role and an instance type into a `Host`: an address to
dial over SSH, a private address for peers, an id that changes when the host is replaced, and the
facts stages size themselves by. Components ask the platform for hosts and never which one it is:
`aws` makes EC2 instances, `local` makes systemd-nspawn machines on a private bridge of this
machine (the free rehearsal of the same stack)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
from pulumi_command import remote

from components.errors import ConfigError
from components.settings import Settings
from components.stages import kafka, logstash


@dataclass(frozen=True)
class Host:
    name: str
    resource: pulumi.Resource
    address: pulumi.Output[str]
    private_ip: pulumi.Output[str]
    id: pulumi.Output[str]
    user: str
    arch: str
    memory_mib: int
    connection: remote.ConnectionArgs


class Platform(Protocol):
    # Set when Pulumi generated the stack's SSH key; None when the user brought one (ssh-agent).
    private_key: pulumi.Output[str] | None

    def host(self, name: str, role: str, instance_type: str, placement: int, tags: dict[str, str],
             parent: pulumi.Resource) -> Host: ...

    def cost_estimate(self) -> Any: ...


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


def connection(address: pulumi.Input[str], user: str, private_key: pulumi.Output[str] | None) -> remote.ConnectionArgs:
    # A booting host refuses SSH for a while: wait for it (about 10 minutes) instead of failing.
    # Without a generated key (sshPublicKey given) the user's ssh-agent holds the private half; the
    # command provider finds it through SSH_AUTH_SOCK itself, so no per-login path enters the state.
    return remote.ConnectionArgs(host=address, user=user, private_key=private_key,
                                 dial_error_limit=60, per_dial_timeout=10)
