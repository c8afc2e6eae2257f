"""A public JSON feed polled on a schedule: Logstash's http_poller input, optionally split into events.

Presets need no credentials and give real, changing data:
- `usgs-earthquakes` (default): the USGS feed of earthquakes in the past hour, refreshed every
  minute; the GeoJSON `features` array becomes one event per earthquake (split filter).

`url` replaces the preset's feed; then only an explicit `splitField` splits (a custom feed has its
own shape). `schedule` is the polling interval (`30s`, `5m`, `1h30m`), rendered as
`schedule => { "every" => ... }`. A feed polled twice yields the same items twice: downstream
consumers see repeats, which is fine for a lab.

A feed behind basic auth takes `user` and `password` (a secret: `${SOURCE_PASSWORD}` in the config).
They are rendered as the plugin's top-level `user`/`password`, which its HTTP client applies to every
request; given per URL instead, they would sit in the request that a failed poll copies into its
event, and so end up in Kafka.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components import schema as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece
from components.logstash.refusals import basic_auth_pair, http_poller_url


@dataclass(frozen=True)
class Preset:
    url: str
    schedule: str
    split_field: str | None = None


PRESETS = {
    "usgs-earthquakes": Preset(
        url="https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/all_hour.geojson",
        schedule="1m",
        split_field="features",
    ),
}

OPTIONS = {
    "preset": o.one_of(*PRESETS, default="usgs-earthquakes", doc="a ready public feed"),
    "url": o.url(default=None, doc="a JSON URL to poll instead of the preset's"),
    "schedule": o.duration(default=None, doc="how often to poll, e.g. 30s or 5m; default: the preset's"),
    "splitField": o.text(default=None, doc="an array field to split into one event per item, e.g. features"),
    "user": o.text(default=None, doc="user name for basic auth (with password)"),
    "password": o.secret(default=None, doc="password for basic auth (with user)"),
}


def check(path: str, options: Mapping[str, Any]) -> None:
    if options["url"] is not None:
        http_poller_url(f"{path}.url", options["url"])
    basic_auth_pair(path, options["user"], options["password"])


def render(options: Mapping[str, Any]) -> Piece:
    preset = PRESETS[options["preset"]]
    custom = options["url"] is not None
    name = "feed" if custom else options["preset"]
    poller = Plugin("http_poller", {
        "urls": {name: options["url"] if custom else preset.url},
        "schedule": {"every": options["schedule"] or preset.schedule},
        # Under the preset's one-minute schedule (the plugin's own default is 60 s), so a feed that
        # hangs fails that poll before the next one is due.
        "request_timeout": 30,
        "codec": Plugin("json"),
        **({"user": options["user"], "password": options["password"]} if options["user"] is not None else {}),
    })
    split_field = options["splitField"] or (None if custom else preset.split_field)
    filters = (Plugin("split", {"field": split_field}),) if split_field else ()
    return Piece(blocks=(poller,), filters=filters)
