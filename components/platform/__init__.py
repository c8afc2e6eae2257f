"""Where hosts come from. Components ask the platform for hosts and never which one it is: `aws`
makes EC2 instances, `local` makes systemd-nspawn machines on a private bridge of this machine
(the free rehearsal of the same stack). base.py says what a host is; PLATFORMS is the registry
whose names the `platform` key accepts, as sources and sinks are for theirs."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from components import settings as config
from components.platform.base import Platform
from components.settings import Settings
from components.stages import sizing

# What scripts/pulumi.sh checks on this machine before a run, by name (`python -m components.platform`).
ROOT, AWS_CREDENTIALS, DOWNLOADS = "root", "aws-credentials", "downloads"


class Prepared(NamedTuple):
    """A platform before any of its resources exists: what builds it, and an instance type's memory there."""
    build: Callable[[], Platform]
    memory_mib: Callable[[str], int]


@dataclass(frozen=True)
class Kind:
    prepare: Callable[[Settings, Mapping[str, str]], Prepared]
    # What this machine must offer before a run.
    needs: tuple[str, ...]


# Imported when chosen: a local stack never loads the AWS provider, nor an AWS stack the local one.
def _aws(settings: Settings, tags: Mapping[str, str]) -> Prepared:
    from components.platform.aws import AwsPlatform, Catalog
    catalog = Catalog(settings)  # one look-up per instance type, shared by the check and the hosts
    return Prepared(lambda: AwsPlatform("pipeline", settings, dict(tags), catalog),
                    lambda kind: catalog.machine(kind).memory_mib)


def _local(settings: Settings, tags: Mapping[str, str]) -> Prepared:
    from components.platform import sizes
    from components.platform.local import LocalPlatform
    return Prepared(lambda: LocalPlatform("pipeline", settings), sizes.memory_mib)


PLATFORMS: dict[str, Kind] = {
    "aws": Kind(_aws, needs=(AWS_CREDENTIALS,)),
    # The hosts fetch Kafka and Logstash through this machine's network.
    "local": Kind(_local, needs=(ROOT, DOWNLOADS)),
}


def create(settings: Settings, tags: dict[str, str]) -> Platform:
    """The platform, once the hosts' sizes are known to fit the heaps asked for (before any resource)."""
    prepared = PLATFORMS[settings.platform].prepare(settings, tags)
    config.checked(lambda: sizing.check_heaps(settings, prepared.memory_mib))
    return prepared.build()
