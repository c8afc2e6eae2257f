"""The hourly cost estimate from AWS's price list, through a provider acting as the stack's user."""
from __future__ import annotations

import json

import pytest

from components.cost import HOURS_PER_MONTH, ROOT_VOLUME_GIB
from tests.program import DEV, IPV4_PRICE, PRICES, VOLUME_PRICES, Mocks, run

VOLUME_HOUR = VOLUME_PRICES["gp3"] * ROOT_VOLUME_GIB / HOURS_PER_MONTH


def test_every_hourly_charge_comes_from_the_price_list_as_a_line(dev):
    estimate = dev.value("estimatedCost")
    hosts = 3
    instances = sum(PRICES[i.inputs["instanceType"]] for i in dev.of_type("aws:ec2/instance:Instance"))
    assert estimate["usdPerHour"] == pytest.approx(instances + hosts * IPV4_PRICE + hosts * VOLUME_HOUR)
    # The lines add up to the total as shown, and name what they count.
    assert sum(line["usdPerHour"] for line in estimate["lines"]) == pytest.approx(estimate["usdPerHour"], abs=1e-9)
    items = [line["item"] for line in estimate["lines"]]
    assert "public IPv4 addresses in use" in items
    assert f"{ROOT_VOLUME_GIB} GiB gp3 root volumes (billed also while stopped)" in items
    ipv4 = next(line for line in estimate["lines"] if "IPv4" in line["item"])
    assert ipv4["count"] == hosts and ipv4["usdPerHour"] == pytest.approx(hosts * IPV4_PRICE)
    assert "data transfer" in estimate["notCounted"]
    lookups = [c for c in dev.mocks.calls if c.token == "aws:pricing/getProduct:getProduct"]
    assert all(c.provider and "pricing" in c.provider for c in lookups)
    assert all({f["field"]: f["value"] for f in c.args["filters"]}["regionCode"] == "ap-northeast-2" for c in lookups)
    assert sorted(c.args["serviceCode"] for c in lookups).count("AmazonVPC") == 1
    assert dev.named("pricing").inputs["region"] == "us-east-1"


def test_class_cost_counts_every_students_hosts_addresses_and_volumes(monkeypatch):
    result = run({**DEV, "students": ["ana", "ben", "cho"]}, stack="class", monkeypatch=monkeypatch)
    instances = result.of_type("aws:ec2/instance:Instance")
    assert len(instances) == 7
    expected = sum(PRICES[i.inputs["instanceType"]] for i in instances) + 7 * (IPV4_PRICE + VOLUME_HOUR)
    assert result.value("estimatedCost")["usdPerHour"] == pytest.approx(expected)



def test_a_failing_price_lookup_never_stops_a_deployment(monkeypatch):
    mocks = Mocks()
    answer = mocks.call

    def call(args):
        if args.token == "aws:pricing/getProduct:getProduct":
            # As a provider reports it: a failed invoke, not a crashed engine.
            return {}, [("", "AccessDeniedException: not authorized to perform pricing:GetProducts")]
        return answer(args)

    monkeypatch.setattr(mocks, "call", call)
    result = run(DEV, monkeypatch=monkeypatch, mocks=mocks)
    estimate = result.value("estimatedCost")
    assert estimate["usdPerHour"] is None and "pricing:GetProducts" in estimate["note"]
    assert len(result.of_type("aws:ec2/instance:Instance")) == 3



def test_the_pricing_provider_acts_as_the_stacks_aws_user(monkeypatch):
    result = run(DEV, monkeypatch=monkeypatch, aws={"profile": "lab", "sharedCredentialsFiles": '["/home/me/.aws/creds"]'})
    provider = result.named("pricing").inputs
    assert provider["region"] == "us-east-1" and provider["profile"] == "lab"
    # A provider's non-string inputs travel JSON-encoded.
    assert json.loads(provider["sharedCredentialsFiles"]) == ["/home/me/.aws/creds"]
