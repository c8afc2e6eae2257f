import json

import pytest

from components import cost



def product(usd: str, unit: str = "Hrs") -> str:
    return json.dumps({"terms": {"OnDemand": {"A.B": {"priceDimensions": {"A.B.C": {
        "unit": unit, "pricePerUnit": {"USD": usd}}}}}}})


def test_reads_the_on_demand_hourly_price():
    assert cost.on_demand_usd_per_hour(product("0.0520000000")) == pytest.approx(0.052)


@pytest.mark.parametrize("doc", [json.dumps({"terms": {}}), product("1", unit="GB-Mo")])
def test_refuses_a_document_without_an_hourly_price(doc):
    with pytest.raises(ValueError):
        cost.on_demand_usd_per_hour(doc)


def test_counts_hosts_per_instance_type(make_settings):
    s = make_settings({"students": ["a", "b"], "kafka": {"brokers": 3}}, stack="class")
    assert cost.instance_counts(s) == {"t4g.medium": 3, "t4g.small": 4}
    result = cost.estimate(s, {"t4g.medium": 0.05, "t4g.small": 0.02}.__getitem__)
    assert result["usdPerHour"] == pytest.approx(0.23)
    assert "7 x 16 GiB gp3" in result["note"]


def test_filters_pin_one_product():
    fields = {f["field"]: f["value"] for f in cost.product_filters("t3.medium", "ap-northeast-2")}
    assert fields == {"instanceType": "t3.medium", "regionCode": "ap-northeast-2", "operatingSystem": "Linux",
                      "tenancy": "Shared", "preInstalledSw": "NA", "licenseModel": "No License required",
                      "capacitystatus": "Used"}
