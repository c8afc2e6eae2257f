"""Which vCPU quota each instance type counts against, and the stack's need per quota."""
from __future__ import annotations

from collections import Counter

import pytest

from components import quotas


@pytest.mark.parametrize("kind, code", [
    ("t4g.small", "L-1216C47A"), ("t2.medium", "L-1216C47A"), ("m7g.large", "L-1216C47A"),
    ("c7gn.xlarge", "L-1216C47A"), ("im4gn.large", "L-1216C47A"), ("d3.xlarge", "L-1216C47A"),
    ("r7i.large", "L-1216C47A"), ("z1d.large", "L-1216C47A"), ("h1.2xlarge", "L-1216C47A"),
    ("a1.large", "L-1216C47A"),
    ("dl1.24xlarge", "L-6E869C2A"), ("hpc7g.4xlarge", "L-F7808C92"), ("inf2.xlarge", "L-1945791B"),
    ("trn1.2xlarge", "L-2C3B7624"), ("g5g.xlarge", "L-DB2E81BA"), ("vt1.3xlarge", "L-DB2E81BA"),
    ("p4d.24xlarge", "L-417A185B"), ("x2gd.large", "L-7295265B"), ("f1.2xlarge", "L-74FC7D96"),
    ("u-6tb1.metal", "L-43DA4232"),
])
def test_each_family_counts_against_its_quota(kind, code):
    assert quotas.quota_of(kind).code == code


def test_mac_instances_have_no_on_demand_vcpu_quota():
    assert quotas.quota_of("mac2.metal") is None


def test_the_need_adds_every_instance_of_a_quota():
    vcpus = {"t3.large": 2, "c7g.4xlarge": 16, "g5g.xlarge": 4}
    needed = quotas.needed_vcpus(Counter({"t3.large": 1, "c7g.4xlarge": 2, "g5g.xlarge": 3}), vcpus.__getitem__)
    assert {q.code: n for q, n in needed.items()} == {"L-1216C47A": 34, "L-DB2E81BA": 12}


def test_a_shortfall_names_the_figures_the_quota_and_how_to_raise_it():
    [said] = quotas.shortfalls({quotas.STANDARD: 38}, {quotas.STANDARD: 32.0})
    assert "needs 38 vCPUs" in said and "quota is 32" in said and "L-1216C47A" in said
    assert "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" in said
    assert "--quota-code L-1216C47A --desired-value 40" in said


def test_a_stack_that_fits_or_whose_quota_is_unknown_is_not_refused():
    assert quotas.shortfalls({quotas.STANDARD: 32}, {quotas.STANDARD: 32.0}) == []
    assert quotas.shortfalls({quotas.STANDARD: 320}, {}) == []
