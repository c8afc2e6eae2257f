"""Events as JSON lines in files on the consumer host: Logstash's file output.

The default path is under Logstash's data directory, which survives reboots, one file per topic and
day. `%{...}` sprintf references to event fields are fine in `path`, except in its first directory
(the plugin refuses that when it starts); `${...}` is refused (Logstash would substitute it from the
environment).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components import schema as o
from components.logstash.lscl import Plugin
from components.logstash.plugin import Piece
from components.logstash.refusals import file_output_path

DEFAULT_PATH = "/var/lib/logstash/out/%{[@metadata][kafka][topic]}-%{+YYYY-MM-dd}.jsonl"

OPTIONS = {
    "path": o.absolute_path(default=DEFAULT_PATH, doc="where to write; %{field} references allowed"),
}


def check(path: str, options: Mapping[str, Any]) -> None:
    file_output_path(f"{path}.path", options["path"])


def render(options: Mapping[str, Any]) -> Piece:
    return Piece(blocks=(Plugin("file", {"path": options["path"], "codec": Plugin("json_lines")}),))
