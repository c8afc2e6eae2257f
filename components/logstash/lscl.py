"""Logstash configuration as data, and the one serializer that turns it into LSCL text.

Strings are written double-quoted with backslash escapes, which Logstash reads back only with
`config.support_escapes: true`; the Logstash stage renders logstash.yml with it on. A string holding
`${` is refused (Logstash would substitute it); a `Ref` is how a `${NAME}` reference is written.
Hash keys are always quoted; option keys are quoted unless they are names. `parse.parse()` reads the
text back; `pipelines.Built.text()` checks every render that way.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

BAREWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
REF_NAME = re.compile(r"[A-Z][A-Z0-9_]*\Z")


@dataclass(frozen=True)
class Ref:
    """`${NAME}`: a value Logstash resolves from its keystore or environment when it loads."""

    name: str

    def __post_init__(self) -> None:
        if not REF_NAME.match(self.name):
            raise ValueError(f"reference name {self.name!r} must match {REF_NAME.pattern}")


@dataclass(frozen=True)
class Plugin:
    """One plugin block (`kafka { ... }`); also used for codecs (`codec => json { }`)."""

    name: str
    options: Mapping[str, "Value"] = field(default_factory=dict)


Value = Union[str, int, float, bool, Ref, Plugin, Sequence["Value"], Mapping[str, "Value"]]


@dataclass(frozen=True)
class Pipeline:
    inputs: Sequence[Plugin] = ()
    filters: Sequence[Plugin] = ()
    outputs: Sequence[Plugin] = ()


def render(pipeline: Pipeline) -> str:
    sections = (("input", pipeline.inputs), ("filter", pipeline.filters), ("output", pipeline.outputs))
    parts = []
    for section, plugins in sections:
        if plugins:
            body = "".join(_plugin(p) for p in plugins)
            parts.append(f"{section} {{\n{body}}}\n")
    return "\n".join(parts)


def quote(text: str) -> str:
    if "${" in text:
        raise ValueError(f"{text!r} contains '${{', which Logstash would read as a variable reference; use Ref")
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def _plugin(plugin: Plugin) -> str:
    """A plugin block inside its section, indented one level (plugins only ever sit in a section)."""
    _check_name(plugin)
    lines = "".join(f"    {_key(k)} => {_value(v)}\n" for k, v in plugin.options.items())
    return f"  {plugin.name} {{\n{lines}  }}\n"


def _check_name(plugin: Plugin) -> None:
    if not BAREWORD.match(plugin.name):
        raise ValueError(f"plugin name {plugin.name!r} is not a Logstash bareword")


def _number(value: int | float) -> str:
    """Logstash numbers are `-?[0-9]+(.[0-9]*)?`: no exponent, no inf/nan; a float keeps its dot."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} cannot be written as a Logstash number")
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def _key(key: str) -> str:
    return key if BAREWORD.match(key) else quote(key)


def _value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, Ref):
        return f'"${{{value.name}}}"'
    if isinstance(value, Plugin):
        # Only directly as an option's value (codec => json { }); Logstash refuses one in an array or hash.
        _check_name(value)
        inner = " ".join(f"{_key(k)} => {_value(v)}" for k, v in value.options.items())
        return f"{value.name} {{ {inner} }}" if inner else f"{value.name} {{ }}"
    if isinstance(value, Mapping):
        inner = " ".join(f"{quote(str(k))} => {_inner(v)}" for k, v in value.items())
        return f"{{ {inner} }}"
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return "[" + ", ".join(_inner(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} into a Logstash config")


def _inner(value: Value) -> str:
    if isinstance(value, Plugin):
        raise ValueError(f"plugin {value.name!r} inside an array or hash; Logstash accepts plugins only as option values")
    return _value(value)
