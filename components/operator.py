"""What the operator gets back: ready-to-paste commands, and the public IP used as the default
`sshCidrs` entry. Plain text and one HTTP request; nothing here creates a resource."""
from __future__ import annotations

import ipaddress
import urllib.request
from dataclasses import dataclass

from components.stages.kafka import operator_port

CHECKIP_URL = "https://checkip.amazonaws.com"


def key_path(stack: str) -> str:
    return f"~/.ssh/kafka-pipeline-{stack}.pem"


@dataclass(frozen=True)
class Access:
    """Ready-to-paste commands for one stack's hosts: its key, its OS's default user."""

    stack: str
    user: str
    byo_key: bool = False

    def save_key_command(self) -> str:
        path = key_path(self.stack)
        return (f"(umask 077 && STACK={self.stack} scripts/pulumi.sh stack output --show-secrets sshPrivateKey "
                f"> {path})")

    def host(self, role: str, address: str, **more: object) -> dict:
        """One host as data (the `hosts` export): what operator tools and tests read, where the
        commands below are for pasting."""
        return {"role": role, "address": address, "user": self.user,
                "sshKey": None if self.byo_key else key_path(self.stack), **more}

    def ssh(self, address: str) -> str:
        identity = "" if self.byo_key else f"-i {key_path(self.stack)} "
        return f"ssh {identity}{self.user}@{address}"

    def watch(self, address: str) -> str:
        return f"{self.ssh(address)} sudo journalctl -u logstash -f -o cat"

    def on_host(self, address: str, command: str) -> str:
        return f"{self.ssh(address)} {command}"

    def tunnel(self, broker: str, node_id: int = 1) -> str:
        """Forwards broker `node_id`'s loopback-only operator listener to the same port on the
        operator's localhost, where the broker's advertised address points."""
        port = operator_port(node_id)
        return f"{self.ssh(broker)} -N -L {port}:localhost:{port}"


def detect_public_ip(timeout: float = 5.0) -> str:
    """The operator's public IPv4, as AWS sees it. Raises OSError with advice when it cannot."""
    try:
        with urllib.request.urlopen(CHECKIP_URL, timeout=timeout) as response:
            text = response.read(64).decode().strip()
        return str(ipaddress.IPv4Address(text))
    except (OSError, ValueError) as error:
        raise OSError(f"could not detect your public IP from {CHECKIP_URL} ({error}); set it yourself: "
                      "pulumi config set --path 'sshCidrs[0]' <your-ip>/32") from None
