"""Three hosts on one private LAN, made of Linux network namespaces.

A bridge (no address on the host side) joins one veth per namespace; each namespace gets a private
address in `subnet`.0/24, `lo` up, and no default route, so nothing inside can reach beyond the
bridge. Names carry a tag (`kp-<tag>-broker`, bridge `kp<tag>br`), so the tests and the benchmark
never collide with each other or with anything else; `create()` deletes stale leftovers first.

With `bridge` given, the namespaces join that existing bridge instead (a local stack's, so its hosts
reach them as they would a Kafka of the user's on their network) and `first` sets the host part of
the first namespace's address; the bridge is then neither created nor deleted here.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence

HOSTS = ("broker", "producer", "consumer")


class SetupError(RuntimeError):
    pass


def require_tools() -> None:
    """Refuse clearly (never skip) when the machine cannot host the namespaces."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (network namespaces need CAP_NET_ADMIN; run as root)")
    if not shutil.which("ip"):
        missing.append("the `ip` tool (apt-get install iproute2)")
    if not shutil.which("java"):
        missing.append("java 17+ on PATH (apt-get install openjdk-17-jre-headless)")
    elif java_major() < 17:
        missing.append(f"java 17+ (Kafka 4 brokers need it), found {java_major()}")
    if missing:
        raise SetupError("integration tests need: " + "; ".join(missing))


def java_major() -> int:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=30).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise SetupError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result


class Network:
    def __init__(self, tag: str = "it", subnet: str = "10.213.0", hosts: Sequence[str] = HOSTS,
                 bridge: str | None = None, first: int = 2):
        if not (tag.isalnum() and len(tag) <= 6):
            raise ValueError("tag must be at most 6 letters/digits (interface names are <= 15 chars)")
        self.tag = tag
        self.own_bridge = bridge is None
        self.bridge = bridge or f"kp{tag}br"
        self.hosts = tuple(hosts)
        self.ns = {h: f"kp-{tag}-{h}" for h in self.hosts}
        self.ip = {h: f"{subnet}.{i + first}" for i, h in enumerate(self.hosts)}
        # An address in our own subnet that no namespace holds: for "unreachable broker" checks.
        self.unused_ip = f"{subnet}.{250 if not first <= 250 < first + len(self.hosts) else 249}"
        self._veth = {h: (f"kp{tag}{i}h", f"kp{tag}{i}n") for i, h in enumerate(self.hosts)}

    def create(self) -> "Network":
        require_tools()
        self.destroy()
        if self.own_bridge:
            ip("link", "add", self.bridge, "type", "bridge")
            ip("link", "set", self.bridge, "up")
        for h in self.hosts:
            ns, (outer, inner) = self.ns[h], self._veth[h]
            ip("netns", "add", ns)
            ip("link", "add", outer, "type", "veth", "peer", "name", inner, "netns", ns)
            ip("link", "set", outer, "master", self.bridge, "up")
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "addr", "add", f"{self.ip[h]}/24", "dev", inner)
            ip("-n", ns, "link", "set", inner, "up")
        return self

    def destroy(self) -> None:
        """Idempotent: removes whatever of ours exists (deleting a namespace deletes its veth pair)."""
        existing = ip("netns", "list", check=False).stdout
        for h in self.hosts:
            if any(line.split()[0] == self.ns[h] for line in existing.splitlines() if line.strip()):
                ip("netns", "del", self.ns[h], check=False)
            ip("link", "del", self._veth[h][0], check=False)
        if self.own_bridge:
            ip("link", "del", self.bridge, check=False)

    def cmd(self, host: str, argv: Sequence[str]) -> list[str]:
        """argv run inside `host`'s namespace (ip netns exec execs it: the pid is the program's)."""
        return ["ip", "netns", "exec", self.ns[host], *argv]

    def run(self, host: str, argv: Sequence[str], timeout: float, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self.cmd(host, argv), capture_output=True, text=True, timeout=timeout, **kw)

    def port_open(self, host: str, address: str, port: int) -> bool:
        """One bounded TCP connect from inside `host` (to its own loopback or a namespace address)."""
        code = ("import socket,sys\n"
                f"s=socket.socket(); s.settimeout(1)\n"
                f"sys.exit(s.connect_ex(({address!r},{port})) != 0)\n")
        return self.run(host, [sys.executable, "-c", code], timeout=10).returncode == 0

    def __enter__(self) -> "Network":
        return self.create()

    def __exit__(self, *exc) -> None:
        self.destroy()
