"""Events are dicts, as Logstash's event hash: `@timestamp` (a datetime) and `@version` always set,
`@metadata` kept out of every serialization unless asked for. Field references (`[a][b]`, `a`) and
sprintf templates (`%{[a][b]}`, `%{+YYYY.MM.dd}`) work as Logstash's do."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Callable

MISSING = object()
_REFERENCE = re.compile(r"%\{([^}]+)\}")
_JODA = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")
# Joda-Time fields (letter, run length) the stand-in implements; any other is refused.
_JODA_FIELDS: dict[tuple[str, int], Callable[[datetime], str]] = {
    ("Y", 4): lambda t: f"{t.year:04d}", ("y", 4): lambda t: f"{t.year:04d}",
    ("Y", 2): lambda t: f"{t.year % 100:02d}", ("y", 2): lambda t: f"{t.year % 100:02d}",
    ("M", 2): lambda t: f"{t.month:02d}", ("d", 2): lambda t: f"{t.day:02d}",
    ("H", 2): lambda t: f"{t.hour:02d}", ("m", 2): lambda t: f"{t.minute:02d}",
    ("s", 2): lambda t: f"{t.second:02d}", ("S", 3): lambda t: f"{t.microsecond // 1000:03d}",
}


def new(fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event as Logstash builds one from decoded fields: a valid @timestamp kept, a bad one
    moved to `_@timestamp` with the tag `_timestampparsefailure`."""
    event = dict(fields or {})
    stamp = event.get("@timestamp", MISSING)
    if stamp is MISSING:
        event["@timestamp"] = now()
    elif not isinstance(stamp, datetime):
        try:
            event["@timestamp"] = parse_time(stamp)
        except (TypeError, ValueError):
            event["_@timestamp"] = event.pop("@timestamp")
            event["@timestamp"] = now()
            event["tags"] = [*event.get("tags", []), "_timestampparsefailure"]
    event.setdefault("@version", "1")
    return event


def now() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        raise ValueError(value)
    return stamp.astimezone(timezone.utc)


def iso(stamp: datetime) -> str:
    """As Java's ISO_INSTANT: fractions in groups of three digits, none when zero."""
    base = stamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    micros = stamp.microsecond
    fraction = "" if not micros else f".{micros // 1000:03d}" if micros % 1000 == 0 else f".{micros:06d}"
    return f"{base}{fraction}Z"


def path(reference: str) -> list[str]:
    if reference.startswith("["):
        parts = re.findall(r"\[([^\[\]]+)\]", reference)
        if "".join(f"[{p}]" for p in parts) != reference:
            raise ValueError(f"invalid field reference {reference!r}")
        return parts
    return [reference]


def get(event: dict[str, Any], reference: str) -> Any:
    value: Any = event
    for key in path(reference):
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def put(event: dict[str, Any], reference: str, value: Any) -> None:
    *parents, last = path(reference)
    target = event
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value


def to_json(event: dict[str, Any], metadata: bool = False) -> str:
    shown = event if metadata else {k: v for k, v in event.items() if k != "@metadata"}
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":"),
                      default=lambda v: iso(v) if isinstance(v, datetime) else str(v))


def check_template(template: str) -> None:
    """Raise ValueError for a reference Logstash would not resolve or a date format not implemented."""
    for reference in _REFERENCE.findall(template):
        if reference.startswith("+"):
            joda(reference[1:])
        else:
            path(reference)


def sprintf(event: dict[str, Any], template: str) -> str:
    def one(match: re.Match[str]) -> str:
        reference = match.group(1)
        if reference.startswith("+"):
            stamp = event["@timestamp"].astimezone(timezone.utc)
            return "".join(p if isinstance(p, str) else p(stamp) for p in joda(reference[1:]))
        value = get(event, reference)
        if value is MISSING:
            return match.group(0)  # Logstash leaves an unresolved reference as written
        return text(value)
    return _REFERENCE.sub(one, template)


def text(value: Any) -> str:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), default=str)
    if isinstance(value, list):
        return ",".join(text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def joda(pattern: str) -> list[str | Callable[[datetime], str]]:
    """A Joda-Time pattern as literal text and field formatters."""
    parts: list[str | Callable[[datetime], str]] = []
    matches = list(_JODA.finditer(pattern))
    if sum(len(m.group(0)) for m in matches) != len(pattern):
        raise ValueError(f"date format {pattern!r}: a quote is never closed")
    for match in matches:
        token = match.group(0)
        if token.startswith("'"):
            parts.append(token[1:-1] or "'")
        elif match.group(1):
            field = _JODA_FIELDS.get((token[0], len(token)))
            if field is None:
                raise ValueError(f"date format {pattern!r}: {token!r} is not implemented by the Logstash stand-in")
            parts.append(field)
        else:
            parts.append(token)
    return parts
