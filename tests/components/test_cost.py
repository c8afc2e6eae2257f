"""The hourly estimate's arithmetic and the price-list products it asks for."""
import json
from collections import Counter

import pytest

from components import cost


def product(usd: str, unit: str = "Hrs") -> str:
    return json.dumps({"terms": {"OnDemand": {"A.B": {"priceDimensions": {"A.B.C": {
        "unit": unit, "pricePerUnit": {"USD": usd}}}}}}})


def test_reads_the_on_demand_price_in_the_unit_asked_for():
    assert cost.on_demand_usd(product("0.0520000000"), "Hrs") == pytest.approx(0.052)
    assert cost.on_demand_usd(product("0.0912000000", unit="GB-Mo"), "GB-Mo") == pytest.approx(0.0912)


@pytest.mark.parametrize("doc", [json.dumps({"terms": {}}), product("1", unit="GB-Mo")])
def test_refuses_a_document_without_a_price_in_that_unit(doc):
    with pytest.raises(ValueError):
        cost.on_demand_usd(doc, "Hrs")


def test_counts_hosts_per_instance_type(make_settings):
    s = make_settings({"students": ["a", "b"], "kafka": {"brokers": 3, "instanceType": "t4g.medium"}}, stack="class")
    assert cost.instance_counts(s) == {"t4g.medium": 3, "t4g.small": 4}
    lab = cost.footprint(s)
    assert (lab.public_ipv4, lab.hosts, lab.volume_type, lab.volume_gib) == (7, 7, "gp3", cost.ROOT_VOLUME_GIB)


def _prices(instances: dict[str, float], ipv4: float, volumes: dict[str, float]):
    def price_of(lookup: cost.Lookup) -> float:
        fields = dict(lookup.filters)
        if lookup.service_code == "AmazonVPC":
            return ipv4
        if fields.get("productFamily") == "Storage":
            return volumes[fields["volumeApiName"]]
        return instances[fields["instanceType"]]
    return price_of


def test_every_line_is_priced_and_the_total_is_their_sum():
    lab = cost.Footprint(Counter({"t4g.medium": 1, "t4g.small": 2}), public_ipv4=3, volume_type="gp3", volume_gib=16)
    result = cost.estimate(lab, "ap-northeast-2", _prices({"t4g.medium": 0.05, "t4g.small": 0.02}, 0.006, {"gp3": 0.1}))
    by_item = {line["item"]: line for line in result["lines"]}
    assert by_item["t4g.small instance hours"]["usdPerHour"] == pytest.approx(0.04)
    assert by_item["public IPv4 addresses in use"]["usdPerHour"] == pytest.approx(0.018)
    volumes = by_item["16 GiB gp3 root volumes (billed also while stopped)"]
    assert volumes["count"] == 3 and volumes["usdPerHour"] == pytest.approx(3 * 16 * 0.1 / 730, abs=1e-6)
    assert result["usdPerHour"] == pytest.approx(0.05 + 0.04 + 0.018 + 3 * 16 * 0.1 / 730, abs=1e-6)
    assert sum(line["usdPerHour"] for line in result["lines"]) == pytest.approx(result["usdPerHour"], abs=1e-9)


def test_the_tutorial_is_priced_the_same_way():
    result = cost.estimate(cost.TUTORIAL, "ap-northeast-2", _prices({"t2.medium": 0.06}, 0.005, {"gp2": 0.12}))
    items = [line["item"] for line in result["lines"]]
    assert items == ["t2.medium instance hours", "public IPv4 addresses in use",
                     "8 GiB gp2 root volumes (billed also while stopped)"]
    assert result["usdPerHour"] == pytest.approx(3 * 0.06 + 3 * 0.005 + 3 * 8 * 0.12 / 730, abs=1e-6)


def test_lookups_pin_one_product_each():
    assert dict(cost.instance_lookup("t3.medium", "ap-northeast-2").filters) == {
        "instanceType": "t3.medium", "regionCode": "ap-northeast-2", "operatingSystem": "Linux",
        "tenancy": "Shared", "preInstalledSw": "NA", "licenseModel": "No License required", "capacitystatus": "Used"}
    ipv4 = cost.ipv4_lookup("ap-northeast-2")
    assert ipv4.service_code == "AmazonVPC" and ipv4.unit == "Hrs"
    assert dict(ipv4.filters)["groupDescription"] == "Hourly charge for In-use Public IPv4 Addresses"
    volume = cost.volume_lookup("gp3", "ap-northeast-2")
    assert volume.unit == "GB-Mo" and dict(volume.filters) == {
        "regionCode": "ap-northeast-2", "productFamily": "Storage", "volumeApiName": "gp3"}
