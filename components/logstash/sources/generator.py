"""Synthetic events, offline: Logstash's generator input, throttled so a lab does not flood."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import schema as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece

OPTIONS = {
    "message": o.text(default='{"sensor":"lab-1","reading":42}', doc="the event text; JSON is parsed into fields"),
    "count": o.whole(0, 1_000_000_000, default=0, doc="events to emit; 0 = forever"),
    "eventsPerSecond": o.whole(1, 100_000, default=5, doc="about how many events a second"),
}


def render(options: Mapping[str, Any]) -> Piece:
    generator = Plugin("generator", {
        "message": options["message"],
        "count": options["count"],
        "codec": Plugin("json"),
    })
    # The generator has no rate of its own; sleeping one second every N events caps it near N/s.
    throttle = Plugin("sleep", {"time": "1", "every": options["eventsPerSecond"]})
    return Piece(blocks=(generator,), filters=(throttle,))
