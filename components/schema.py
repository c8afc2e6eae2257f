"""Keys as data: each key a user may write, how it is checked, its default and what it means.

The stack's settings (components/settings/keys.py) and every Logstash source and sink (their
OPTIONS: camelCase of Logstash's own option names) are declared with these, so parsing, unknown-key
errors and the documented key lists all follow from one declaration. Secret options become
`${NAME}` references in pipelines."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components import checks
from components.errors import ConfigError

MISSING = object()


@dataclass(frozen=True)
class Option:
    # None: taken as given here and checked where it meets other keys (settings/parse.py).
    check: Callable[[str, Any], Any] | None
    default: Any = MISSING
    secret: bool = False
    doc: str = ""
    # The value is one URL or a list of them: where the host connects to (its egress).
    urls: bool = False


def _plain_text(path: str, value: Any) -> str:
    value = checks.string(path, value)
    if "${" in value:
        raise ConfigError(path, value, "'${' is not allowed: Logstash would read it as a variable reference "
                                       "(sprintf field references like %{[field]} are fine)")
    return value


def text(default: Any = MISSING, doc: str = "") -> Option:
    return Option(_plain_text, default, doc=doc)


def secret(default: Any = MISSING, doc: str = "") -> Option:
    return Option(checks.secret_string, default, secret=True, doc=doc)


def whole(low: int, high: int, default: Any = MISSING, doc: str = "") -> Option:
    return Option(lambda p, v: checks.integer(p, v, low, high), default, doc=doc)


def flag(default: Any = MISSING, doc: str = "") -> Option:
    return Option(checks.boolean, default, doc=doc)


def one_of(*values: str, default: Any = MISSING, doc: str = "") -> Option:
    return Option(lambda p, v: checks.choice(p, v, values), default, doc=doc)


def texts(default: Any = MISSING, min_items: int = 1, doc: str = "") -> Option:
    def check(path: str, value: Any) -> tuple[str, ...]:
        items = checks.string_list(path, value, unique=False, min_items=min_items)
        return tuple(_plain_text(f"{path}[{i}]", v) for i, v in enumerate(items))
    return Option(check, default, doc=doc)


URL = checks.URL
DURATION = re.compile(r"^(?:[1-9][0-9]*[smhd])+$")
ABSOLUTE_PATH = re.compile(r"^/[^\n\r\0]*$")


def _url(path: str, value: Any) -> str:
    return _plain_text(path, checks.string(path, value, URL, "an http(s) URL such as https://example.org/feed.json"))


def url(default: Any = MISSING, doc: str = "") -> Option:
    return Option(_url, default, doc=doc, urls=True)


def urls(default: Any = MISSING, doc: str = "") -> Option:
    def check(path: str, value: Any) -> tuple[str, ...]:
        items = checks.string_list(path, value, URL, "http(s) URLs such as https://search.example.org:9200", min_items=1)
        return tuple(_url(f"{path}[{i}]", v) for i, v in enumerate(items))
    return Option(check, default, doc=doc, urls=True)


def duration(default: Any = MISSING, doc: str = "") -> Option:
    """A Logstash scheduler interval such as 30s, 1m, 1h30m."""
    return Option(lambda p, v: checks.string(p, v, DURATION, "an interval such as 30s, 5m or 1h30m"), default, doc=doc)


def absolute_path(default: Any = MISSING, doc: str = "") -> Option:
    return Option(lambda p, v: _plain_text(p, checks.string(p, v, ABSOLUTE_PATH, "an absolute path such as /var/log/app.log")),
                  default, doc=doc)


def absolute_paths(default: Any = MISSING, doc: str = "") -> Option:
    def check(path: str, value: Any) -> tuple[str, ...]:
        items = checks.string_list(path, value, ABSOLUTE_PATH, "absolute paths (globs allowed) such as /var/log/*.log",
                                   min_items=1)
        return tuple(_plain_text(f"{path}[{i}]", v) for i, v in enumerate(items))
    return Option(check, default, doc=doc)


def snake(camel: str) -> str:
    """consumerKey -> consumer_key: the Logstash option name behind a config key."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def validate(path: str, raw: Mapping[str, Any], schema: Mapping[str, Option], ignore: tuple[str, ...] = ("type",)
             ) -> dict[str, Any]:
    """Check options against their schema; fill defaults; wrap secrets. Unknown keys are refused."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ignore:
            continue
        option = schema.get(key)
        where = f"{path}.{key}" if path else key
        if option is None:
            allowed = ", ".join(sorted(schema)) or "none"
            raise ConfigError(where, value, f"unknown option; allowed options: {allowed}")
        values[key] = option.check(where, value) if option.check else value
    for key, option in schema.items():
        if key not in values:
            if option.default is MISSING:
                raise ConfigError(f"{path}.{key}", None, f"required; {option.doc or 'set it'}"
                                  + (f" (pulumi config set --secret --path {path}.{key} ...)" if option.secret else ""))
            values[key] = option.default
    return values


@dataclass(frozen=True)
class PluginChoice:
    """A source or sink: its registry `type` and validated options (secrets as `Secret`)."""

    type: str
    options: Mapping[str, Any]


def plugin_choice(path: str, value: Any, registry: Mapping[str, Any]) -> PluginChoice:
    """`{type, ...options}` checked against the registry's plugin of that type (and its own check)."""
    if not isinstance(value, Mapping) or "type" not in value:
        raise ConfigError(path, value, f"expected an object with a type: one of {', '.join(registry)}")
    kind = checks.choice(f"{path}.type", value["type"], registry)
    options = validate(path, value, registry[kind].OPTIONS)
    # A plugin may check options that depend on each other.
    if hasattr(registry[kind], "check"):
        registry[kind].check(path, options)
    return PluginChoice(type=kind, options=options)
