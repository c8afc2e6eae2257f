"""Render a pipeline, read the text back, and refuse it unless it reads back as exactly what was meant.

Runs at preview (through `pipelines.Built.text()`), so an escaping or serializer bug stops the
deployment with the place it went wrong instead of a Logstash that will not start on the host.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from components.logstash import lscl
from components.logstash.lscl import Pipeline, Plugin, Ref
from components.logstash.parse import ParseError, parse

MAX_SHOWN = 5


class PipelineMismatch(ValueError):
    """The rendered pipeline does not parse, or parses into something other than what was meant."""

    def __init__(self, role: str, problems: Sequence[str], text: str) -> None:
        self.role = role
        self.problems = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:MAX_SHOWN])
        more = f"\n  ... and {len(self.problems) - MAX_SHOWN} more" if len(self.problems) > MAX_SHOWN else ""
        numbered = "\n".join(f"  {i:3d} | {line}" for i, line in enumerate(text.splitlines(), 1))
        super().__init__(f"the {role} pipeline does not read back as it was meant:\n{shown}{more}\n"
                         f"rendered text:\n{numbered}")


def rendered(role: str, pipeline: Pipeline) -> str:
    """The text of `pipeline`, proven to parse back into the same pipeline."""
    text = lscl.render(pipeline)
    try:
        back = parse(text)
    except ParseError as error:
        raise PipelineMismatch(role, [f"does not parse: {error}"], text) from error
    problems = list(differences(pipeline, back))
    if problems:
        raise PipelineMismatch(role, problems, text)
    return text


def differences(meant: Pipeline, read: Pipeline) -> Iterator[str]:
    """`where: meant X, read back Y` for every place the two pipelines differ."""
    for section in ("inputs", "filters", "outputs"):
        yield from _diff(section, _plain(tuple(getattr(meant, section))), _plain(tuple(getattr(read, section))))


def _plain(value: Any) -> Any:
    """A comparable form: containers unified (tuple = list), scalars tagged (True != 1, 1.0 != 1)."""
    if isinstance(value, Plugin):
        return ("plugin", value.name, {str(k): _plain(v) for k, v in value.options.items()})
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (str, Ref)):
        return value
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    return (type(value).__name__, value)


def _diff(where: str, meant: Any, read: Any) -> Iterator[str]:
    if isinstance(meant, tuple) and isinstance(read, tuple) and meant[0] == read[0] == "plugin":
        if meant[1] != read[1]:
            yield f"{where}: meant plugin {meant[1]!r}, read back plugin {read[1]!r}"
            return
        yield from _diff(f"{where}({meant[1]})", meant[2], read[2])
    elif isinstance(meant, dict) and isinstance(read, dict):
        for key in [*meant, *(k for k in read if k not in meant)]:
            if key not in read:
                yield f"{where}.{key}: meant {_show(meant[key])}, missing when read back"
            elif key not in meant:
                yield f"{where}.{key}: not meant, read back {_show(read[key])}"
            else:
                yield from _diff(f"{where}.{key}", meant[key], read[key])
    elif isinstance(meant, list) and isinstance(read, list):
        if len(meant) != len(read):
            yield f"{where}: meant {len(meant)} items, read back {len(read)}"
        for i, (m, r) in enumerate(zip(meant, read)):
            yield from _diff(f"{where}[{i}]", m, r)
    elif meant != read:
        yield f"{where}: meant {_show(meant)}, read back {_show(read)}"


def _show(value: Any) -> str:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return f"{value[1]!r} ({value[0]})"
    if isinstance(value, tuple):
        return f"plugin {value[1]!r}"
    return repr(value)
