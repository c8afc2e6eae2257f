"""The stack's hourly cost (instances, public IPv4 addresses, root volumes) from AWS's own price list (the Pricing API, answered from us-east-1),
through a provider that acts as the stack's own AWS user. Never fatal: without the permission the
estimate says it is unavailable."""
from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components import cost
from components.settings import Settings

# The stack's own AWS settings a second provider must share to act as the same user.
INHERITED_AWS_SETTINGS = {"profile": "profile", "access_key": "accessKey", "secret_key": "secretKey",
                          "token": "token", "shared_credentials_files": "sharedCredentialsFiles",
                          "shared_config_files": "sharedConfigFiles", "assume_roles": "assumeRoles"}
LISTS = ("sharedCredentialsFiles", "sharedConfigFiles", "assumeRoles")
SECRETS = ("accessKey", "secretKey", "token")


def stack_aws_settings() -> dict:
    aws_config = pulumi.Config("aws")
    found = {}
    for arg, key in INHERITED_AWS_SETTINGS.items():
        raw = aws_config.get(key)
        if raw is None:
            continue
        try:
            value = json.loads(raw) if key in LISTS else raw
        except ValueError:
            value = raw
        found[arg] = pulumi.Output.secret(value) if key in SECRETS else value
    return found


def estimate(settings: Settings, parent: pulumi.Resource) -> dict:
    provider = aws.Provider("pricing", region=cost.PRICING_REGION, **stack_aws_settings(),
                            opts=pulumi.ResourceOptions(parent=parent))

    def price_of(lookup: cost.Lookup) -> float:
        product = aws.pricing.get_product(service_code=lookup.service_code, filters=lookup.filter_list(),
                                          opts=pulumi.InvokeOptions(provider=provider))
        return cost.on_demand_usd(product.result, lookup.unit)

    try:
        return dict(cost.estimate(cost.footprint(settings), settings.region, price_of))
    except Exception as error:  # a missing pricing:GetProducts permission must not stop a deployment
        pulumi.log.warn(f"no cost estimate: {error}")
        return {"usdPerHour": None, "note": f"unavailable ({str(error).splitlines()[0][:200]}); "
                                            "the AWS Pricing API needs the pricing:GetProducts permission"}
