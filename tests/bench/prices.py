"""What the dev stack costs an hour against the tutorial's three t2.medium, at public on-demand
prices in the tutorial's region. The Pricing API is out of reach here; a stack's own estimatedCost
output stays the live figure.

Source: the AWS price list (offer file of ap-northeast-2) as rebuilt every 7 hours into
skypilot-org/skypilot-catalog, catalogs/v8/aws/vms.csv (column Price: on-demand, Linux, shared),
read 2026-11-28; t3.small, t3.medium and t4g.small agree with a Seoul bill summary of 2026-10-09
(woowacourse-teams/2026-yesulin, backend/docs/operations/cost.md)."""
from __future__ import annotations

from collections import Counter

from components import settings as config

REGION = "ap-northeast-2"
SOURCE = "AWS price list for ap-northeast-2 via skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv"
READ_ON = "2026-11-28"
USD_PER_HOUR = {
    "t2.medium": 0.0576,
    "t3.micro": 0.013,
    "t3.small": 0.026,
    "t3.medium": 0.052,
    "t4g.micro": 0.0104,
    "t4g.small": 0.0208,
    "t4g.medium": 0.0416,
    "t4g.large": 0.0832,
}
# The original lab: broker, producer and consumer, each a t2.medium.
TUTORIAL = Counter({"t2.medium": 3})


def hourly(instances: Counter) -> float:
    return sum(USD_PER_HOUR[kind] * n for kind, n in instances.items())


def stack_instances(settings: config.Settings) -> Counter:
    return Counter({settings.kafka.instance_type: settings.kafka.brokers}) + Counter(
        {settings.producer.instance_type: 1}) + Counter({settings.consumer.instance_type: 1})
