"""Small pure validators: each takes a key path and a raw value and returns it typed, or raises
ConfigError naming the path, the value and what is allowed."""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

from components.errors import ConfigError, Secret

INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")
NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")
GROUP_ID = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
SHA512 = re.compile(r"^[0-9a-fA-F]{128}$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
PUBLIC_KEY = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) "
                        r"[A-Za-z0-9+/]+={0,3}( .*)?$")


def mapping(path: str, value: Any, allowed_keys: Iterable[str]) -> Mapping[str, Any]:
    allowed = sorted(allowed_keys)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(path, value, f"expected an object with keys {', '.join(allowed)}")
    for key in value:
        if key not in allowed:
            head = key.split(".")[0].split("[")[0]
            if head in allowed and key != head:
                # `pulumi config set kafka.brokers 3` without --path makes one key named "kafka.brokers".
                raise ConfigError(_join(path, key), value[key], f"unknown key; did you mean `pulumi config set --path "
                                  f"{_join(path, key)} ...`? (nested keys need --path; remove this one with "
                                  f"`pulumi config rm '{_join(path, key)}'`)")
            raise ConfigError(_join(path, key), value[key], f"unknown key; allowed keys of {path or 'the stack'}: {', '.join(allowed)}")
    return value


def string(path: str, value: Any, pattern: re.Pattern[str] | None = None, allowed: str = "a non-empty string") -> str:
    if not isinstance(value, str) or not value or (pattern is not None and not pattern.match(value)):
        raise ConfigError(path, value, f"expected {allowed}")
    return value


def choice(path: str, value: Any, options: Iterable[Any]) -> Any:
    options = list(options)
    # The CLI stores numbers set without --path as strings: "3" means 3 wherever a number is allowed.
    if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()) and int(value) in options:
        value = int(value)
    if value not in options or isinstance(value, bool):
        raise ConfigError(path, value, f"allowed: {', '.join(str(o) for o in options)}")
    return value


def integer(path: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(path, value, f"expected a whole number from {low} to {high}")
    return value


def number(path: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(path, value, f"expected a number from {low:g} to {high:g}")
    return value


def boolean(path: str, value: Any) -> bool:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise ConfigError(path, value, "expected true or false")
    return value


def string_list(path: str, value: Any, item: re.Pattern[str] | None = None, allowed: str = "a non-empty string",
                unique: bool = True, min_items: int = 0) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(path, value, f"expected a list of {allowed}")
    items = tuple(string(f"{path}[{i}]", v, item, allowed) for i, v in enumerate(value))
    if unique:
        for i, v in enumerate(items):
            if v in items[:i]:
                raise ConfigError(f"{path}[{i}]", v, "duplicate; each entry must be unique")
    if len(items) < min_items:
        raise ConfigError(path, value, f"expected at least {min_items} entr{'y' if min_items == 1 else 'ies'}")
    return items


def cidr(path: str, value: Any) -> str:
    if not isinstance(value, str) or "/" not in value:
        raise ConfigError(path, value, "expected an IPv4 or IPv6 CIDR such as 203.0.113.7/32")
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ConfigError(path, value, "expected an IPv4 or IPv6 CIDR such as 203.0.113.7/32 (host bits zero)") from None
    return str(net)


def private_subnet(path: str, value: Any) -> str:
    """An IPv4 subnet in a private range, large enough for a class of hosts (/16 to /26)."""
    allowed = "a private IPv4 subnet from /16 to /26 such as 10.214.7.0/24"
    try:
        net = ipaddress.IPv4Network(value, strict=True) if isinstance(value, str) else None
    except ValueError:
        net = None
    if net is None or not net.is_private or not 16 <= net.prefixlen <= 26:
        raise ConfigError(path, value, f"expected {allowed}")
    return str(net)


# host:port, the host a DNS name or an IPv4 address (IPv6 brackets are not needed by any Kafka we meet).
SERVER = re.compile(r"^(?=.{1,253}:)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*:(\d{1,5})$")


def servers(path: str, value: Any) -> tuple[str, ...]:
    """A non-empty list of host:port, such as Kafka's bootstrap servers."""
    allowed = "expected a non-empty list of host:port such as [\"kafka-1.example.org:9092\"]"
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ConfigError(path, value, allowed)
    for i, item in enumerate(value):
        found = SERVER.match(item) if isinstance(item, str) else None
        if not found or not 1 <= int(found.group(1)) <= 65535:
            raise ConfigError(f"{path}[{i}]", item, "expected host:port with a port from 1 to 65535, such as "
                                                    "kafka-1.example.org:9092")
    return tuple(value)


def url(path: str, value: Any) -> str:
    if not isinstance(value, str) or not URL.match(value):
        raise ConfigError(path, value, "expected an http(s) URL such as https://archive.apache.org/dist/kafka")
    return value.rstrip("/")


def secret_string(path: str, value: Any) -> Secret:
    if isinstance(value, Secret):
        value = value.value
    if not isinstance(value, str) or not value:
        raise ConfigError(path, Secret(str(value)), "expected a non-empty string (set it with pulumi config set --secret --path ...)")
    return Secret(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
