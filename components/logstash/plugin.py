"""What a source or sink plugin is: a plain module with an option schema and a render function."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from components.logstash.lscl import Plugin
from components.schema import Option


@dataclass(frozen=True)
class Piece:
    """What a plugin adds to a pipeline: its blocks, any filters, Logstash plugins to install."""

    blocks: tuple[Plugin, ...]
    filters: tuple[Plugin, ...] = ()
    install: tuple[str, ...] = ()


class LogstashPlugin(Protocol):
    """A source or sink module. Secret options arrive as `Ref`s, never as values."""

    OPTIONS: Mapping[str, Option]

    def render(self, options: Mapping[str, Any]) -> Piece: ...
