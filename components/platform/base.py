"""What a platform hands a component: a `Host` (an address to dial over SSH, a private address for
peers, an id that changes when the host is replaced, and the facts stages size themselves by) for
the `HostSpec` it was asked for."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
from pulumi_command import remote


@dataclass(frozen=True)
class HostSpec:
    """What a component asks a platform for."""

    name: str
    role: str
    instance_type: str
    # Spreads hosts over zones; the same number always lands in the same zone.
    placement: int
    tags: dict[str, str]
    # The name the host had before a rename: its resources keep their identity under the new one.
    former_name: str | None = None


@dataclass(frozen=True)
class Host:
    name: str
    former_name: str | None
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

    def host(self, spec: HostSpec, parent: pulumi.Resource) -> Host: ...

    def cost_estimate(self) -> Any: ...


def aliases(former_name: str | None) -> list[pulumi.Alias]:
    return [pulumi.Alias(name=former_name)] if former_name else []


def connection(address: pulumi.Input[str], user: str, private_key: pulumi.Output[str] | None) -> remote.ConnectionArgs:
    # A booting host refuses SSH for a while: wait for it (about 10 minutes) instead of failing.
    # Without a generated key (sshPublicKey given) the user's ssh-agent holds the private half; the
    # command provider finds it through SSH_AUTH_SOCK itself, so no per-login path enters the state.
    return remote.ConnectionArgs(host=address, user=user, private_key=private_key,
                                 dial_error_limit=60, per_dial_timeout=10)
