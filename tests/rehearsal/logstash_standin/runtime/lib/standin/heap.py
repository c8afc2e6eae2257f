"""The memory a real Logstash takes before it reads a single event: its JVM heap's initial size
(-Xms from jvm.options, overridden by LS_JAVA_OPTS, as bin/logstash composes them). The stand-in
holds that much, touched, so a host's memory behaves as with the real JVM at its floor: a second
full-size JVM beside the service shows up in the host's peak."""
from __future__ import annotations

import os
import re
from pathlib import Path

XMS = re.compile(r"^-Xms(\d+)([kKmMgG]?)$")
UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
PAGE = 4096

_held: bytearray | None = None


def initial_heap(jvm_options: Path | None, ls_java_opts: str) -> int:
    """Bytes of -Xms: the last one of jvm.options, then of LS_JAVA_OPTS (the JVM takes the last)."""
    words = []
    if jvm_options and jvm_options.exists():
        words += [line.strip() for line in jvm_options.read_text().splitlines() if not line.startswith("#")]
    words += ls_java_opts.split()
    size = 0
    for word in words:
        match = XMS.match(word)
        if match:
            size = int(match.group(1)) * UNITS[match.group(2).lower()]
    return size


def take(settings_dir: Path | None, home: Path) -> int:
    """Hold the initial heap for the life of the process; returns its size in bytes."""
    global _held
    options = (settings_dir / "jvm.options") if settings_dir else home / "config" / "jvm.options"
    size = initial_heap(options, os.environ.get("LS_JAVA_OPTS", ""))
    _held = bytearray(size)
    for offset in range(0, size, PAGE):
        _held[offset] = 1
    return size
