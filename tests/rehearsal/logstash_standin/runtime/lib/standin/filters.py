"""Filters: a batch of events in, a batch out, on the pipeline's worker thread."""
from __future__ import annotations

import copy
import time
from typing import Any

from standin import event as ev
from standin.logs import Logger


class Sleep:
    """Sleeps `time` seconds once every `every` events: blocking the worker throttles the inputs."""

    def __init__(self, options: dict[str, Any]):
        self.time, self.every = options["time"], options["every"]
        self.seen = 0

    def filter(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for _ in events:
            self.seen += 1
            if self.seen >= self.every:
                self.seen = 0
                time.sleep(self.time)
        return events


class Split:
    """One event per element of an array field (or per line of a string field), the element in its place."""

    def __init__(self, options: dict[str, Any]):
        self.field = options["field"]
        self.log = Logger("logstash.filters.split", "main")

    def filter(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for event in events:
            value = ev.get(event, self.field)
            if isinstance(value, str):
                value = value.split("\n")
            if not isinstance(value, list):
                self.log.warn(f"Only String and Array types are splittable. field:{self.field} is of type = "
                              f"{'NilClass' if value is ev.MISSING or value is None else type(value).__name__}")
                event["tags"] = [*event.get("tags", []), "_split_type_failure"]
                out.append(event)
                continue
            for item in value:
                clone = copy.deepcopy(event)
                ev.put(clone, self.field, item)
                out.append(clone)
        return out


def build(name: str, options: dict[str, Any]) -> Any:
    return {"sleep": Sleep, "split": Split}[name](options)
