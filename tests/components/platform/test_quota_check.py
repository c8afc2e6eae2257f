"""The vCPU quota check under mocks: before anything is created, the stack is held against the
account's quota for each instance family it uses."""
from __future__ import annotations

import pulumi
import pytest

from tests.program import DEV, Mocks, run

STANDARD = "L-1216C47A"
# Eight students on t3.large brokers and t4g.small Logstash hosts: 2 + 8 x 2 x 2 = 34 vCPUs.
CLASS = {**DEV, "students": [f"s{i}" for i in range(8)], "kafka": {"instanceType": "t3.large"}}


def test_a_class_beyond_a_fresh_accounts_quota_is_refused_before_anything_is_created(monkeypatch):
    mocks = Mocks(quotas={STANDARD: 32.0})
    with pytest.raises(pulumi.RunError) as error:
        run(CLASS, monkeypatch=monkeypatch, mocks=mocks)
    said = str(error.value)
    assert "needs 34 vCPUs" in said and "quota is 32" in said and STANDARD in said, said
    assert "request-service-quota-increase" in said and "Nothing was created" in said
    assert not [r for r in mocks.resources if r.typ.startswith("aws:")]


def test_the_same_class_deploys_where_the_quota_allows_it(monkeypatch):
    result = run(CLASS, monkeypatch=monkeypatch, mocks=Mocks(quotas={STANDARD: 34.0}))
    assert len(result.of_type("aws:ec2/instance:Instance")) == 17
    asked = [c.args for c in result.mocks.calls if c.token == "aws:servicequotas/getServiceQuota:getServiceQuota"]
    assert asked == [{"serviceCode": "ec2", "quotaCode": STANDARD}]


def test_each_family_is_held_against_its_own_quota(monkeypatch):
    # A GPU-family broker counts against G and VT, not against the Standard quota.
    config = {**DEV, "kafka": {"instanceType": "g5g.xlarge"}}
    mocks = Mocks(quotas={"L-DB2E81BA": 0.0, STANDARD: 4.0})
    with pytest.raises(pulumi.RunError) as error:
        run(config, monkeypatch=monkeypatch, mocks=mocks)
    assert "L-DB2E81BA" in str(error.value) and STANDARD not in str(error.value)


def test_without_permission_to_read_quotas_a_warning_and_the_deployment_goes_on(monkeypatch):
    warned = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: warned.append(message))
    mocks = Mocks(quota_errors={STANDARD: "AccessDeniedException: not authorized to perform servicequotas:GetServiceQuota"})
    result = run(CLASS, monkeypatch=monkeypatch, mocks=mocks)
    assert len(result.of_type("aws:ec2/instance:Instance")) == 17
    assert any(STANDARD in w and "34 vCPUs" in w and "deploying anyway" in w for w in warned), warned
