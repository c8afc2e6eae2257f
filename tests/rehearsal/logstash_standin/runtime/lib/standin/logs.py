"""Log lines in Logstash's console format, on standard output (journald keeps them):
`[2026-11-28T12:00:00,000][INFO ][logstash.agent           ] message`."""
from __future__ import annotations

import logging
import sys
import threading
from datetime import datetime

# One lock for logs and the stdout output, so an event and a log line never interleave.
STDOUT_LOCK = threading.Lock()


def write(text: str) -> None:
    with STDOUT_LOCK:
        sys.stdout.write(text)
        sys.stdout.flush()


class Logger:
    def __init__(self, name: str, pipeline: str | None = None):
        self.name = name
        self.context = f"[{pipeline}]" if pipeline else ""

    def log(self, level: str, message: str) -> None:
        now = datetime.now()
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S,") + f"{now.microsecond // 1000:03d}"
        write(f"[{stamp}][{level:<5}][{self.name:<25}]{self.context} {message}\n")

    def info(self, message: str) -> None:
        self.log("INFO", message)

    def warn(self, message: str) -> None:
        self.log("WARN", message)

    def error(self, message: str) -> None:
        self.log("ERROR", message)

    def fatal(self, message: str) -> None:
        self.log("FATAL", message)


def route_python_logging() -> None:
    """kafka-python's warnings and errors (broker unreachable, rebalances) in the same format."""
    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            level = {"WARNING": "WARN", "CRITICAL": "FATAL"}.get(record.levelname, record.levelname)
            Logger(record.name).log(level, record.getMessage())

    root = logging.getLogger()
    root.handlers[:] = [Handler()]
    root.setLevel(logging.WARNING)
