"""What the operator gets back: ready-to-paste commands, and the public IP used as the default
`sshCidrs` entry."""
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


# The stack's own AWS settings a second provider must share to act as the same user.
INHERITED_AWS_SETTINGS = {"profile": "profile", "access_key": "accessKey", "secret_key": "secretKey",
                          "token": "token", "shared_credentials_files": "sharedCredentialsFiles",
                          "shared_config_files": "sharedConfigFiles", "assume_roles": "assumeRoles"}


def stack_aws_settings() -> dict:
    import json

    import pulumi
    aws_config = pulumi.Config("aws")
    found = {}
    for arg, key in INHERITED_AWS_SETTINGS.items():
        raw = aws_config.get(key)
        if raw is None:
            continue
        try:
            value = json.loads(raw) if key in ("sharedCredentialsFiles", "sharedConfigFiles", "assumeRoles") else raw
        except ValueError:
            value = raw
        found[arg] = pulumi.Output.secret(value) if key in ("accessKey", "secretKey", "token") else value
    return found


def cost_estimate(settings) -> dict:
    """The stack's hourly cost from AWS's price list, or why it could not be had (never fatal)."""
    import pulumi
    import pulumi_aws as aws

    from components import cost

    provider = aws.Provider("pricing", region=cost.PRICING_REGION, **stack_aws_settings())

    def price_of(instance_type: str) -> float:
        product = aws.pricing.get_product(service_code="AmazonEC2",
                                          filters=cost.product_filters(instance_type, settings.region),
                                          opts=pulumi.InvokeOptions(provider=provider))
        return cost.on_demand_usd_per_hour(product.result)

    try:
        return dict(cost.estimate(settings, price_of))
    except Exception as error:  # a missing pricing:GetProducts permission must not stop a deployment
        pulumi.log.warn(f"no cost estimate: {error}")
        return {"usdPerHour": None, "note": f"unavailable ({str(error).splitlines()[0][:200]}); "
                                            "the AWS Pricing API needs the pricing:GetProducts permission"}
