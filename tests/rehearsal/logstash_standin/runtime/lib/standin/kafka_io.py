"""What the kafka input and output share: the Java client's behaviour where kafka-python's differs,
and waiting for a broker the way the Java client does (forever, one attempt a second)."""
from __future__ import annotations

import socket
import threading
import time

from standin.logs import Logger

# The Java client's defaults that Logstash's kafka plugins run with, where kafka-python's differ.
JAVA_CLIENT_DEFAULTS = {"reconnect_backoff_max_ms": 1000}
# Logstash's kafka input defaults (session_timeout_ms 10 s, poll_timeout_ms 100).
CONSUMER_DEFAULTS = {"session_timeout_ms": 10000, "heartbeat_interval_ms": 3000}
POLL_TIMEOUT_MS = 100
LOG = Logger("org.apache.kafka.clients.NetworkClient")


def addresses(bootstrap_servers: str) -> list[str]:
    return [s.strip() for s in bootstrap_servers.split(",") if s.strip()]


def wait_for_broker(servers: list[str], until: threading.Event) -> bool:
    """Block until one bootstrap server accepts a connection (True) or `until` is set (False).

    kafka-python's constructors give up when no broker answers (and leave a thread behind), where
    the Java client keeps trying: so the stand-in waits here first."""
    last_log = 0.0
    while not until.is_set():
        for server in servers:
            host, _, port = server.rpartition(":")
            try:
                with socket.create_connection((host.strip("[]"), int(port)), timeout=1):
                    return True
            except OSError:
                pass
        if time.monotonic() - last_log > 30:
            last_log = time.monotonic()
            LOG.warn(f"Connection to node -1 ({', '.join(servers)}) could not be established. "
                     "Broker may not be available. (retrying every second)")
        until.wait(1)
    return False
