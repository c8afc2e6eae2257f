"""Codecs: bytes from an input into events (`decode`), an event into text for an output (`encode`)."""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from standin import event as ev


class Plain:
    def decode(self, data: bytes) -> list[dict[str, Any]]:
        return [ev.new({"message": data.decode("utf-8", errors="replace")})]

    def encode(self, event: dict[str, Any]) -> str:
        # Logstash's Event#toString, which the plain codec writes when it has no format.
        host, message = event.get("host", "%{host}"), event.get("message", "%{message}")
        return f"{ev.iso(event['@timestamp'])} {ev.text(host)} {ev.text(message)}"


class Json:
    def decode(self, data: bytes) -> list[dict[str, Any]]:
        text = data.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return [ev.new(parsed)]
        if isinstance(parsed, list) and all(isinstance(item, dict) for item in parsed):
            return [ev.new(item) for item in parsed]
        # Not a JSON object (or array of them): the text is kept, tagged, as Logstash does.
        return [ev.new({"message": text, "tags": ["_jsonparsefailure"]})]

    def encode(self, event: dict[str, Any]) -> str:
        return ev.to_json(event)


class JsonLines(Json):
    def decode(self, data: bytes) -> list[dict[str, Any]]:
        return [e for line in data.split(b"\n") if line.strip() for e in super().decode(line)]

    def encode(self, event: dict[str, Any]) -> str:
        return ev.to_json(event) + "\n"


class Rubydebug:
    """Logstash's rubydebug codec (awesome_print): keys right-aligned, four spaces per level."""

    def __init__(self, metadata: bool):
        self.metadata = metadata

    def encode(self, event: dict[str, Any]) -> str:
        shown = {k: v for k, v in event.items() if k != "@metadata"}
        if self.metadata and "@metadata" in event:
            shown["@metadata"] = event["@metadata"]
        return inspect(shown, 0) + "\n"


def inspect(value: Any, level: int) -> str:
    pad, inner = "    " * level, "    " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        keys = {k: ruby_string(str(k)) for k in value}
        width = max(len(k) for k in keys.values())
        lines = [f"{inner}{keys[k].rjust(width)} => {inspect(v, level + 1)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        width = len(str(len(value) - 1))
        lines = [f"{inner}[{str(i).rjust(width)}] {inspect(v, level + 1)}" for i, v in enumerate(value)]
        return "[\n" + "\n".join(lines) + f"\n{pad}]"
    if isinstance(value, datetime):
        return ev.iso(value)
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return re.sub(r"^(-?\d+)e", r"\1.0e", text)  # Ruby writes 1.0e+20 where Python writes 1e+20
    if isinstance(value, int):
        return str(value)
    return ruby_string(str(value))


def ruby_string(text: str) -> str:
    """Ruby's String#inspect."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x1b": "\\e",
               "\f": "\\f", "\v": "\\v", "\a": "\\a", "\b": "\\b"}
    out = []
    for i, c in enumerate(text):
        if c in escapes:
            out.append(escapes[c])
        elif c == "#" and text[i + 1:i + 2] in ("{", "$", "@"):
            out.append("\\#")
        elif ord(c) < 0x20 or ord(c) == 0x7f:
            out.append("\\x7F" if c == "\x7f" else f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


CODECS = {"plain": Plain, "json": Json, "json_lines": JsonLines, "rubydebug": Rubydebug}


def build(configured: Any) -> Any:
    """A codec from its checked config (config.Configured: name and options)."""
    return CODECS[configured.name](**configured.options)
