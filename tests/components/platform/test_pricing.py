"""The hourly cost estimate from AWS's price list, through a provider acting as the stack's user."""
from __future__ import annotations

import json

import pytest

from tests.program import DEV, Mocks, run



def test_hourly_cost_comes_from_the_price_list_for_every_instance(dev):
    cost = dev.value("estimatedCost")
    assert cost["usdPerHour"] == pytest.approx(0.04 + 2 * 0.02)
    assert cost["instances"]["t4g.small"] == {"count": 2, "usdPerHour": 0.02}
    lookups = [c for c in dev.mocks.calls if c.token == "aws:pricing/getProduct:getProduct"]
    assert len(lookups) == 2 and all(c.provider and "pricing" in c.provider for c in lookups)
    filters = {f["field"]: f["value"] for f in lookups[0].args["filters"]}
    assert filters["regionCode"] == "ap-northeast-2" and filters["operatingSystem"] == "Linux"
    provider = dev.named("pricing")
    assert provider.inputs["region"] == "us-east-1"



def test_class_cost_counts_every_students_hosts(monkeypatch):
    result = run({**DEV, "students": ["ana", "ben", "cho"]}, stack="class", monkeypatch=monkeypatch)
    assert result.value("estimatedCost")["usdPerHour"] == pytest.approx(0.04 + 6 * 0.02)



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
