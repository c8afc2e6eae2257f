"""Settings for tests, made the one way the program makes them: raw config through the parser,
with every registry a key chooses from (and an sshCidrs entry, which aws stacks need)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from components.registries import PLUGINS
from components.settings import Settings, parse

SSH = ["198.51.100.7/32"]  # documentation range: nothing ever connects to it


def make(raw: Mapping[str, Any] | None = None, *, stack: str = "dev", region: str | None = "ap-northeast-2",
         detect_ip: Callable[[], str] | None = None, with_ssh: bool = True) -> Settings:
    base = {"sshCidrs": SSH} if with_ssh else {}
    return parse({**base, **(raw or {})}, stack=stack, region=region, plugins=PLUGINS, detect_ip=detect_ip)
