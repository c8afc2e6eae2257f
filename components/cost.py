"""What a stack costs an hour, with everything AWS bills by the hour for it: instance hours, public
IPv4 addresses and root volumes, each priced from AWS's own price list (the Pricing API), not from a
table we keep by hand. Data transfer depends on use and is named as not counted.

The same arithmetic prices the tutorial's lab, so the two compare like for like."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from components.settings import OWN_BROKERS, Settings

# The Pricing API answers only from these regions' endpoints.
PRICING_REGION = "us-east-1"
# Every instance's encrypted root disk.
ROOT_VOLUME_GIB = 16
ROOT_VOLUME_TYPE = "gp3"
# EBS is priced per GB-month and billed per second of use; AWS's own examples turn a month into 730 hours.
HOURS_PER_MONTH = 730
NOT_COUNTED = "data transfer (billed per GB moved out of the region or across zones; a lab moves little)"


@dataclass(frozen=True)
class Lookup:
    """One product in the AWS price list, and the unit its price is in."""

    service_code: str
    filters: tuple[tuple[str, str], ...]
    unit: str

    def filter_list(self) -> list[dict[str, str]]:
        return [{"field": field, "value": value} for field, value in self.filters]


def instance_lookup(instance_type: str, region: str) -> Lookup:
    """Shared on-demand Linux, no licence, in the region."""
    return Lookup("AmazonEC2", (
        ("instanceType", instance_type),
        ("regionCode", region),
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("preInstalledSw", "NA"),
        ("licenseModel", "No License required"),
        ("capacitystatus", "Used"),
    ), "Hrs")


def ipv4_lookup(region: str) -> Lookup:
    """A public IPv4 address in use (billed since February 2024), in the region."""
    return Lookup("AmazonVPC", (
        ("regionCode", region),
        ("group", "VPCPublicIPv4Address"),
        ("groupDescription", "Hourly charge for In-use Public IPv4 Addresses"),
    ), "Hrs")


def volume_lookup(volume_type: str, region: str) -> Lookup:
    """EBS storage of one volume type, per GB-month (not its IOPS or throughput)."""
    return Lookup("AmazonEC2", (
        ("regionCode", region),
        ("productFamily", "Storage"),
        ("volumeApiName", volume_type),
    ), "GB-Mo")


def msk_broker_lookup(instance_type: str, region: str) -> Lookup:
    """An Amazon MSK (provisioned, Standard) broker, per hour. The attribute names and unit are those
    AmazonMSK's price-list products carry as a published price-list client models them (group
    Broker, computeFamily without "kafka.", unit "hours"); AWS is out of reach here, so they were not
    checked against the live API. A mismatch leaves the estimate unavailable, never the deployment."""
    return Lookup("AmazonMSK", (
        ("regionCode", region),
        ("group", "Broker"),
        ("computeFamily", instance_type.removeprefix("kafka.")),
    ), "hours")


def msk_storage_lookup(region: str) -> Lookup:
    """MSK broker storage, per GB-month (as msk_broker_lookup, the price list's group Storage)."""
    return Lookup("AmazonMSK", (
        ("regionCode", region),
        ("group", "Storage"),
    ), "GB-Mo")


@dataclass(frozen=True)
class Msk:
    instance_type: str
    brokers: int
    volume_gib: int


@dataclass(frozen=True)
class Footprint:
    """What a lab keeps running, as AWS bills it by the hour."""

    instances: Counter[str]
    public_ipv4: int
    volume_type: str
    volume_gib: int
    msk: Msk | None = None

    @property
    def hosts(self) -> int:
        return sum(self.instances.values())


# The tutorial's lab: three t2.medium, each with a public address and an 8 GiB gp2 root volume.
TUTORIAL = Footprint(Counter({"t2.medium": 3}), public_ipv4=3, volume_type="gp2", volume_gib=8)


def instance_counts(settings: Settings) -> Counter[str]:
    pipelines = max(1, len(settings.students))
    counts: Counter[str] = Counter()
    if settings.kafka.provider == OWN_BROKERS:  # MSK's brokers are priced apart; a Kafka the user runs costs nothing
        counts[settings.kafka.instance_type] += settings.kafka.brokers
    counts[settings.producer.instance_type] += pipelines
    counts[settings.consumer.instance_type] += pipelines
    return counts


def footprint(settings: Settings) -> Footprint:
    counts = instance_counts(settings)
    msk = settings.kafka.msk
    # Every host has a public address: the operator reaches each over SSH.
    return Footprint(counts, public_ipv4=sum(counts.values()), volume_type=ROOT_VOLUME_TYPE, volume_gib=ROOT_VOLUME_GIB,
                     msk=Msk(msk.instance_type, msk.brokers, msk.volume_gb) if msk else None)


def on_demand_usd(product_json: str, unit: str) -> float:
    """The on-demand USD price per `unit` in a Pricing API product document
    (terms.OnDemand.*.priceDimensions.*)."""
    product = json.loads(product_json)
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term.get("priceDimensions", {}).values():
            if dimension.get("unit") == unit and "USD" in dimension.get("pricePerUnit", {}):
                return float(dimension["pricePerUnit"]["USD"])
    raise ValueError(f"no on-demand USD price per {unit} in the product document")


def estimate(lab: Footprint, region: str, price_of: Callable[[Lookup], float]) -> Mapping[str, object]:
    """Each hourly charge as a line (what, how many, unit price, USD an hour); the total is the sum
    of the lines as shown."""
    lines = []
    for kind, n in sorted(lab.instances.items()):
        unit = price_of(instance_lookup(kind, region))
        lines.append(_line(f"{kind} instance hours", n, unit, "USD per instance-hour"))
    if lab.public_ipv4:
        unit = price_of(ipv4_lookup(region))
        lines.append(_line("public IPv4 addresses in use", lab.public_ipv4, unit, "USD per address-hour"))
    unit = price_of(volume_lookup(lab.volume_type, region))
    lines.append(_line(f"{lab.volume_gib} GiB {lab.volume_type} root volumes (billed also while stopped)", lab.hosts,
                       unit * lab.volume_gib / HOURS_PER_MONTH,
                       f"USD per volume-hour: {unit:g} USD per GB-month x {lab.volume_gib} / {HOURS_PER_MONTH} h"))
    if lab.msk:
        unit = price_of(msk_broker_lookup(lab.msk.instance_type, region))
        lines.append(_line(f"{lab.msk.instance_type} MSK broker hours", lab.msk.brokers, unit, "USD per broker-hour"))
        unit = price_of(msk_storage_lookup(region))
        lines.append(_line(f"{lab.msk.volume_gib} GiB MSK broker storage", lab.msk.brokers,
                           unit * lab.msk.volume_gib / HOURS_PER_MONTH,
                           f"USD per broker-hour: {unit:g} USD per GB-month x {lab.msk.volume_gib} / {HOURS_PER_MONTH} h"))
    return {
        "usdPerHour": round(sum(line["usdPerHour"] for line in lines), 6),
        "lines": lines,
        "notCounted": NOT_COUNTED,
        "source": f"on-demand prices in {region} from the AWS Pricing API",
    }


def _line(item: str, count: int, unit_usd: float, unit: str) -> dict[str, object]:
    return {"item": item, "count": count, "unitUsd": round(unit_usd, 8), "unit": unit,
            "usdPerHour": round(count * unit_usd, 6)}
