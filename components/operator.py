"""What the operator gets back: ready-to-paste commands, and the public IP used as the default
`sshCidrs` entry."""
from __future__ import annotations

import ipaddress
import urllib.request
from dataclasses import dataclass

from components.stages.kafka import OPERATOR_PORT

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
        return f"pulumi stack output --show-secrets sshPrivateKey > {path} && chmod 600 {path}"

    def ssh(self, address: str) -> str:
        identity = "" if self.byo_key else f"-i {key_path(self.stack)} "
        return f"ssh {identity}{self.user}@{address}"

    def watch(self, address: str) -> str:
        return f"{self.ssh(address)} sudo journalctl -u logstash -f -o cat"

    def tunnel(self, broker: str) -> str:
        """Forwards the broker's loopback-only operator listener to the operator's localhost."""
        return f"{self.ssh(broker)} -N -L {OPERATOR_PORT}:localhost:{OPERATOR_PORT}"


def detect_public_ip(timeout: float = 5.0) -> str:
    """The operator's public IPv4, as AWS sees it. Raises OSError with advice when it cannot."""
    try:
        with urllib.request.urlopen(CHECKIP_URL, timeout=timeout) as response:
            text = response.read(64).decode().strip()
        return str(ipaddress.IPv4Address(text))
    except (OSError, ValueError) as error:
        raise OSError(f"could not detect your public IP from {CHECKIP_URL} ({error}); set it yourself: "
                      "pulumi config set --path 'sshCidrs[0]' <your-ip>/32") from None


def cost_estimate(settings) -> dict:
    """The stack's hourly cost from AWS's price list, or why it could not be had (never fatal)."""
    import pulumi
    import pulumi_aws as aws

    from components import cost

    provider = aws.Provider("pricing", region=cost.PRICING_REGION)

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
