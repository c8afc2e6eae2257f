"""Where the hosts connect out to: package mirrors and release archives, whatever URL a source or
sink is configured with, and a Kafka the user runs. The security group opens exactly these ports outward (never inward)."""
from __future__ import annotations

from urllib.parse import urlsplit

from components.logstash.sinks import SINKS
from components.logstash.sources import SOURCES
from components.schema import PluginChoice
from components.settings import Settings

# Package repositories (HTTPS, and HTTP for mirrors that serve signed packages over it).
PACKAGE_PORTS = (443, 80)
DEFAULT_PORTS = {"http": 80, "https": 443}


def port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or DEFAULT_PORTS[parts.scheme]


def plugin_urls(choice: PluginChoice, registry) -> list[str]:
    schema = registry[choice.type].OPTIONS
    found: list[str] = []
    for key, value in choice.options.items():
        if schema[key].urls and value is not None:
            found += [value] if isinstance(value, str) else list(value)
    return found


def egress_ports(settings: Settings) -> tuple[int, ...]:
    urls = [settings.kafka.download_url, settings.logstash.download_url,
            *plugin_urls(settings.producer.source, SOURCES), *plugin_urls(settings.consumer.sink, SINKS)]
    # A Kafka the user runs: the pipelines dial its bootstrap servers (and the brokers they name, on
    # the same ports as a rule).
    kafka = {int(server.rsplit(":", 1)[1]) for server in settings.kafka.bootstrap_servers or ()}
    return tuple(sorted({*PACKAGE_PORTS, *(port(u) for u in urls), *kafka}))
