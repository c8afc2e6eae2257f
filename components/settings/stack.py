"""Reading the stack's configuration: the only place that touches pulumi.Config. A refusal becomes
one Pulumi error that names the key and says nothing was created."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from components.errors import ConfigError
from components.settings.model import Settings
from components.settings.parse import OWN_BROKERS, PROJECT, Plugins, parse, refuse_downgrade

# The stack output that records the Kafka release deployed, read back at the next preview.
KAFKA_VERSION_OUTPUT = "kafkaVersion"


def load(plugins: Plugins, detect_ip: Callable[[], str] | None = None) -> Settings:
    import pulumi
    from pulumi.runtime.config import CONFIG, get_config, get_config_env

    prefix = f"{PROJECT}:"
    # Every key set on the stack, so a misspelt one is refused rather than silently ignored.
    full_keys = {*get_config_env(), *CONFIG.get()}
    raw = {k[len(prefix):]: _decode(get_config(k)) for k in sorted(full_keys) if k.startswith(prefix)}
    try:
        settings = parse(raw, stack=pulumi.get_stack(), region=pulumi.Config("aws").get("region"), plugins=plugins,
                         detect_ip=detect_ip)
        # Only a valid config reads the stack back: a typo is refused before anything is registered.
        if settings.kafka.provider == OWN_BROKERS:
            refuse_downgrade(last_output(KAFKA_VERSION_OUTPUT), settings.kafka.version)
        return settings
    except ConfigError as error:
        raise refusal(error) from None


def checked(check: Callable[[], None]) -> None:
    """Runs a check of the config that needs more than the config (the hosts' memory, from the
    platform); its refusal reads as any other config error."""
    try:
        check()
    except ConfigError as error:
        raise refusal(error) from None


def refusal(error: ConfigError) -> Exception:
    import pulumi

    return pulumi.RunError(f"{error}\nNothing was created. Fix the value with `scripts/pulumi.sh config set` "
                           f"(every key: docs/CONFIG.md) and run again.")


def last_output(name: str) -> Any:
    """An output of this stack's last deployment (None before the first), read through a reference to
    the stack itself, before any resource is created: a change the running hosts cannot take is
    refused at preview."""
    import pulumi
    from pulumi.runtime.sync_await import _sync_await

    # The Python SDK offers the read as a coroutine only; the program's config checks are synchronous.
    own = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}")
    return _sync_await(own.get_output_details(name)).value


def _decode(text: str) -> Any:
    """Objects and lists arrive as JSON; plain strings stay strings."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
