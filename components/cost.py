"""An estimate of what the stack costs an hour, from AWS's own price list (the Pricing API), not a
table we keep by hand. It counts on-demand Linux instance hours; EBS volumes and data transfer are
extra and named in the estimate's note."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping

from components.settings import Settings

# The Pricing API answers only from these regions' endpoints.
PRICING_REGION = "us-east-1"
# Every instance's encrypted gp3 root disk.
ROOT_VOLUME_GIB = 16


def instance_counts(settings: Settings) -> Counter[str]:
    pipelines = max(1, len(settings.students))
    counts: Counter[str] = Counter()
    counts[settings.kafka.instance_type] += settings.kafka.brokers
    counts[settings.producer.instance_type] += pipelines
    counts[settings.consumer.instance_type] += pipelines
    return counts


def product_filters(instance_type: str, region: str) -> list[dict[str, str]]:
    """Narrow the EC2 price list to one product: shared on-demand Linux, no licence, in the region."""
    return [{"field": field, "value": value} for field, value in (
        ("instanceType", instance_type),
        ("regionCode", region),
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("preInstalledSw", "NA"),
        ("licenseModel", "No License required"),
        ("capacitystatus", "Used"),
    )]


def on_demand_usd_per_hour(product_json: str) -> float:
    """The hourly USD price in a Pricing API product document (terms.OnDemand.*.priceDimensions.*)."""
    product = json.loads(product_json)
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            if dimension.get("unit", "Hrs").startswith("Hr") and "USD" in dimension.get("pricePerUnit", {}):
                return float(dimension["pricePerUnit"]["USD"])
    raise ValueError("no on-demand hourly USD price in the product document")


def estimate(settings: Settings, price_of: Callable[[str], float]) -> Mapping[str, object]:
    counts = instance_counts(settings)
    prices = {kind: price_of(kind) for kind in sorted(counts)}
    total = sum(prices[kind] * n for kind, n in counts.items())
    hosts = sum(counts.values())
    return {
        "usdPerHour": round(total, 4),
        "instances": {kind: {"count": n, "usdPerHour": prices[kind]} for kind, n in sorted(counts.items())},
        "note": (f"on-demand Linux instance hours in {settings.region} from the AWS Pricing API; not counted: "
                 f"{hosts} x {ROOT_VOLUME_GIB} GiB gp3 volumes (billed also while stopped) and data transfer"),
    }
