"""Option schemas of sources and sinks: the keys users write (camelCase of Logstash's own option
names) and how each is checked. Secret options become keystore entries and `${NAME}` references."""
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
    check: Callable[[str, Any], Any]
    default: Any = MISSING
    secret: bool = False
    doc: str = ""


def text(default: Any = MISSING, doc: str = "") -> Option:
    return Option(checks.string, default, doc=doc)


def secret(doc: str = "") -> Option:
    return Option(checks.secret_string, secret=True, doc=doc)


def whole(low: int, high: int, default: Any = MISSING, doc: str = "") -> Option:
    return Option(lambda p, v: checks.integer(p, v, low, high), default, doc=doc)


def flag(default: Any = MISSING, doc: str = "") -> Option:
    return Option(checks.boolean, default, doc=doc)


def one_of(*values: str, default: Any = MISSING, doc: str = "") -> Option:
    return Option(lambda p, v: checks.choice(p, v, values), default, doc=doc)


def texts(default: Any = MISSING, min_items: int = 1, doc: str = "") -> Option:
    return Option(lambda p, v: checks.string_list(p, v, unique=False, min_items=min_items), default, doc=doc)


def snake(camel: str) -> str:
    """consumerKey -> consumer_key: the Logstash option name behind a config key."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def validate(path: str, raw: Mapping[str, Any], schema: Mapping[str, Option]) -> dict[str, Any]:
    """Check a plugin's options against its schema; fill defaults; wrap secrets."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "type":
            continue
        option = schema.get(key)
        where = f"{path}.{key}"
        if option is None:
            allowed = ", ".join(sorted(schema)) or "none"
            raise ConfigError(where, value, f"unknown option; allowed options: {allowed}")
        values[key] = option.check(where, value)
    for key, option in schema.items():
        if key not in values:
            if option.default is MISSING:
                raise ConfigError(f"{path}.{key}", None, f"required; {option.doc or 'set it'}"
                                  + (f" (pulumi config set --secret --path {path}.{key} ...)" if option.secret else ""))
            values[key] = option.default
    return values
