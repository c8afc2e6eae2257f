"""What the dev stack costs an hour against the tutorial's lab, with everything billed by the hour
counted on both sides (instance hours, public IPv4 addresses, root volumes), at public on-demand
prices in the tutorial's region, through the same arithmetic as the stack's estimatedCost
(components/cost.py). The Pricing API is out of reach here; estimatedCost stays the live figure.

Sources, read 2026-11-28 and 2026-12-02:
- instances: the AWS price list (offer file of ap-northeast-2) as rebuilt into
  skypilot-org/skypilot-catalog, catalogs/v8/aws/vms.csv (on-demand, Linux, shared); t3.small,
  t3.medium and t4g.small agree with a Seoul bill summary of 2026-10-09;
- public IPv4: 0.005 USD per in-use address-hour (the AWS price list's AmazonVPC product
  "Hourly charge for In-use Public IPv4 Addresses"; a Seoul bill line APN2-PublicIPv4:InUseAddress,
  43.148 h for 0.2157 USD, agrees);
- EBS in Seoul: gp3 0.0912 and gp2 0.114 USD per GB-month, as Seoul bill lines show
  (APN2-EBS:VolumeUsage.gp3, 2.282 GB-mo for 0.2081 USD; APN2-EBS:VolumeUsage.gp2, 930 GB-mo for
  106.02 USD)."""
from __future__ import annotations

from components import cost

REGION = "ap-northeast-2"
SOURCE = ("AWS price list for ap-northeast-2 (instances via skypilot-org/skypilot-catalog vms.csv; "
          "IPv4 and EBS as Seoul bills show them)")
READ_ON = "2026-12-02"
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
IPV4_USD_PER_HOUR = 0.005
EBS_USD_PER_GB_MONTH = {"gp3": 0.0912, "gp2": 0.114}


def price_of(lookup: cost.Lookup) -> float:
    """The table above, answering the same lookups the stack sends the Pricing API."""
    fields = dict(lookup.filters)
    assert fields["regionCode"] == REGION, fields
    if lookup.service_code == "AmazonVPC":
        return IPV4_USD_PER_HOUR
    if fields.get("productFamily") == "Storage":
        return EBS_USD_PER_GB_MONTH[fields["volumeApiName"]]
    return USD_PER_HOUR[fields["instanceType"]]


def hourly(lab: cost.Footprint) -> dict:
    """The estimate, line by line, as estimatedCost would show it in the region."""
    return dict(cost.estimate(lab, REGION, price_of))
