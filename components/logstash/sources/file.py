"""Lines of files on the producer host: Logstash's file input, tailing by default.

The files must be readable by the `logstash` user. Logstash remembers how far it read (its sincedb
under path.data), so a restart does not resend old lines.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import schema as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece

OPTIONS = {
    # journald-only images have no /var/log/messages; the deployment's own stage log is on every host.
    "path": o.absolute_paths(doc="absolute paths or globs to read, e.g. [\"/var/log/kafka-pipeline/stages.log\"]"),
    "startPosition": o.one_of("beginning", "end", default="end",
                              doc="where to start in a file seen for the first time"),
}


def render(options: Mapping[str, Any]) -> Piece:
    return Piece(blocks=(Plugin("file", {
        "path": list(options["path"]),
        "start_position": options["startPosition"],
        "mode": "tail",
    }),))
