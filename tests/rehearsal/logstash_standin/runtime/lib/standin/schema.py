"""Every plugin and option the stand-in implements, as data: `SCHEMAS[section][plugin][option]`.

An option is a check (value -> normalized value, ValueError saying what was expected) and a default
(REQUIRED when there is none). Checks coerce as Logstash's config validation does (a number for a
string, "5" for a number, a scalar for an array). Values that Logstash accepts but the stand-in does
not implement are refused with a message that says so: the stand-in never pretends.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlparse

from standin import event as ev
from standin.lscl import Plugin

REQUIRED = object()


@dataclass(frozen=True)
class Option:
    check: Callable[[Any], Any]
    default: Any = REQUIRED


def show(value: Any) -> str:
    if isinstance(value, Plugin):
        return f"{value.name} {{ ... }}"
    return json.dumps(value, default=str)


def string(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"Expected string, got {show(value)}")
    return str(value)


def number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"Expected number, got {show(value)}")
    if isinstance(value, str):
        try:
            return int(value) if re.fullmatch(r"-?\d+", value) else float(value)
        except ValueError:
            raise ValueError(f"Expected number, got {show(value)}") from None
    return value


def whole(low: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        n = number(value)
        if n != int(n) or n < low:
            raise ValueError(f"Expected a whole number >= {low}, got {show(value)}")
        return int(n)
    return check


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(f"Expected boolean, got {show(value)}")


def array(value: Any) -> list[str]:
    return [string(v) for v in (value if isinstance(value, list) else [value])]


def one_of(*implemented: str, unimplemented: tuple[str, ...] = ()) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if isinstance(value, str) and value in implemented:
            return value
        message = f"Expected one of {json.dumps(list(implemented))}, got {show(value)}"
        if value in unimplemented:
            message += " (valid in Logstash, but not implemented by the stand-in)"
        raise ValueError(message)
    return check


def codec(value: Any) -> Plugin:
    if isinstance(value, Plugin):
        return value
    return Plugin(string(value), {})


def template(value: Any) -> str:
    text = string(value)
    ev.check_template(text)
    return text


def reference(value: Any) -> str:
    text = string(value)
    ev.path(text)
    return text


def absolute_paths(value: Any) -> list[str]:
    paths = array(value)
    for path in paths:
        if not path.startswith("/"):
            raise ValueError(f"File paths must be absolute, relative path specified: {path}")
    return paths


def absolute_template(value: Any) -> str:
    text = template(value)
    if not text.startswith("/"):
        raise ValueError(f"the file output writes to absolute paths; got {show(text)}")
    return text


def servers(value: Any) -> str:
    text = string(value)
    for server in text.split(","):
        if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]:]+:\d{1,5}", server.strip()):
            raise ValueError(f"Expected host:port[,host:port...], got {show(text)}")
    return text


def uri(value: Any) -> str:
    text = string(value)
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"Expected an http(s) URI, got {show(text)}")
    return text


def uris(value: Any) -> list[str]:
    return [uri(v) for v in array(value)]


def urls(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"Expected a hash of name => url, got {show(value)}")
    for target in value.values():
        uri(target["url"] if isinstance(target, dict) and "url" in target else target)
    return value


def schedule(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"Expected a hash with one of cron, every, in, at; got {show(value)}")
    (kind, spec), = value.items()
    if kind not in ("cron", "every", "in", "at"):
        raise ValueError(f"Expected a hash with one of cron, every, in, at; got {show(value)}")
    if kind in ("every", "in") and not re.fullmatch(r"(\d+[smhdwy])+", string(spec)):
        raise ValueError(f"Expected a duration such as 30s or 1h30m for {kind}, got {show(spec)}")
    return {kind: string(spec)}


def decorate(value: Any) -> str:
    # The plugin's deprecated booleans mean basic and none.
    if value in (True, "true"):
        return "basic"
    if value in (False, "false"):
        return "none"
    return one_of("none", "basic", "extended")(value)


def seconds(value: Any) -> float:
    if isinstance(value, str) and "%{" in value:
        raise ValueError("a sprintf time is valid in Logstash, but not implemented by the stand-in")
    n = number(value)
    if n < 0:
        raise ValueError(f"Expected seconds >= 0, got {show(value)}")
    return float(n)


SCHEMAS: dict[str, dict[str, dict[str, Option]]] = {
    "input": {
        "generator": {
            "message": Option(string, "Hello world!"),
            "count": Option(whole(0), 0),
            "codec": Option(codec, Plugin("plain")),
        },
        "file": {
            "path": Option(absolute_paths),
            "start_position": Option(one_of("beginning", "end"), "end"),
            "mode": Option(one_of("tail", unimplemented=("read",)), "tail"),
            "codec": Option(codec, Plugin("plain")),
        },
        "http_poller": {
            "urls": Option(urls),
            "schedule": Option(schedule),
            "request_timeout": Option(number, 60),
            "codec": Option(codec, Plugin("json")),
        },
        "twitter": {
            "consumer_key": Option(string),
            "consumer_secret": Option(string),
            "oauth_token": Option(string),
            "oauth_token_secret": Option(string),
            "keywords": Option(array),
            "full_tweet": Option(boolean, False),
            "codec": Option(codec, Plugin("plain")),
        },
        "kafka": {
            "bootstrap_servers": Option(servers, "localhost:9092"),
            "topics": Option(array, ["logstash"]),
            "group_id": Option(string, "logstash"),
            "client_id": Option(string, "logstash"),
            "auto_offset_reset": Option(one_of("earliest", "latest", unimplemented=("none",)), "latest"),
            "consumer_threads": Option(whole(1), 1),
            "decorate_events": Option(decorate, "none"),
            "codec": Option(codec, Plugin("plain")),
        },
    },
    "filter": {
        "sleep": {
            "time": Option(seconds),
            "every": Option(whole(1), 1),
        },
        "split": {
            "field": Option(reference, "message"),
        },
    },
    "output": {
        "stdout": {
            "codec": Option(codec, Plugin("rubydebug")),
        },
        "file": {
            "path": Option(absolute_template),
            "codec": Option(codec, Plugin("json_lines")),
        },
        "kafka": {
            "bootstrap_servers": Option(servers, "localhost:9092"),
            "topic_id": Option(template),
            "acks": Option(one_of("0", "1", "all"), "1"),
            "compression_type": Option(one_of("none", "gzip", "lz4", unimplemented=("snappy", "zstd")), "none"),
            "linger_ms": Option(whole(0), 0),
            "batch_size": Option(whole(1), 16384),
            "client_id": Option(string, "logstash"),
            "codec": Option(codec, Plugin("plain")),
        },
        "opensearch": {
            "hosts": Option(uris, ["http://127.0.0.1:9200"]),
            "index": Option(template, "logstash-%{+yyyy.MM.dd}"),
            "user": Option(string, None),
            "password": Option(string, None),
            "ssl_certificate_verification": Option(boolean, True),
        },
    },
    "codec": {
        "plain": {},
        "json": {},
        "json_lines": {},
        "rubydebug": {"metadata": Option(boolean, False)},
    },
}
# Plugins shipped inside an integration gem rather than in a gem of their own.
INTEGRATIONS = {"logstash-integration-kafka": ("logstash-input-kafka", "logstash-output-kafka")}


def gem(section: str, name: str) -> str:
    """The gem that provides a plugin, as `logstash-plugin list` and the Gemfile name it."""
    plugin = f"logstash-{section}-{name}"
    return next((g for g, members in INTEGRATIONS.items() if plugin in members), plugin)
