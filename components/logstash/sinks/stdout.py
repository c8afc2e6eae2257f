"""The tutorial's view: every event printed with rubydebug, Kafka metadata included."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import schema as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece

OPTIONS = {
    "metadata": o.flag(default=True, doc="show [@metadata][kafka] (topic, partition, offset)"),
}


def render(options: Mapping[str, Any]) -> Piece:
    codec = Plugin("rubydebug", {"metadata": options["metadata"]})
    return Piece(blocks=(Plugin("stdout", {"codec": codec}),))
