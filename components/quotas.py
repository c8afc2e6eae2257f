"""Whether a stack fits the account's EC2 vCPU quotas, checked before anything is created: a class
that outgrows a fresh account's quota would otherwise fail part-way with VcpuLimitExceeded and leave
half a class behind.

EC2 counts running On-Demand instances in vCPUs, one quota per group of instance families (Service
Quotas, service code `ec2`)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    code: str
    name: str


STANDARD = Quota("L-1216C47A", "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances")
# Family prefix -> its quota; the longest prefix that matches wins (dl before d, hpc before h).
QUOTAS: dict[str, Quota] = {
    **{letter: STANDARD for letter in "acdhimrtz"},
    "f": Quota("L-74FC7D96", "Running On-Demand F instances"),
    "g": Quota("L-DB2E81BA", "Running On-Demand G and VT instances"),
    "vt": Quota("L-DB2E81BA", "Running On-Demand G and VT instances"),
    "inf": Quota("L-1945791B", "Running On-Demand Inf instances"),
    "p": Quota("L-417A185B", "Running On-Demand P instances"),
    "x": Quota("L-7295265B", "Running On-Demand X instances"),
    "dl": Quota("L-6E869C2A", "Running On-Demand DL instances"),
    "trn": Quota("L-2C3B7624", "Running On-Demand Trn instances"),
    "hpc": Quota("L-F7808C92", "Running On-Demand HPC instances"),
    "u-": Quota("L-43DA4232", "Running On-Demand High Memory instances"),
}


def quota_of(instance_type: str) -> Quota | None:
    """The vCPU quota an instance type counts against; None for Mac instances (Dedicated Hosts only)."""
    family = instance_type.split(".")[0]
    if family.startswith("mac"):
        return None
    prefixes = [prefix for prefix in QUOTAS if family.startswith(prefix)]
    return QUOTAS[max(prefixes, key=len)] if prefixes else None


def needed_vcpus(counts: Counter[str], vcpus_of: Callable[[str], int]) -> dict[Quota, int]:
    """The vCPUs the stack's instances take from each quota."""
    needed: dict[Quota, int] = {}
    for kind, n in sorted(counts.items()):
        quota = quota_of(kind)
        if quota is not None:
            needed[quota] = needed.get(quota, 0) + vcpus_of(kind) * n
    return needed


def shortfalls(needed: Mapping[Quota, int], limits: Mapping[Quota, float]) -> list[str]:
    """One sentence per quota the stack does not fit, with the figures and how to raise it."""
    return [f"the stack needs {vcpus} vCPUs of '{quota.name}' ({quota.code}) and the account's quota is "
            f"{limits[quota]:g}; raise it with `aws service-quotas request-service-quota-increase --service-code ec2 "
            f"--quota-code {quota.code} --desired-value {_round_up(vcpus)}` (or in the Service Quotas console), or use "
            "fewer students or smaller instance types"
            for quota, vcpus in needed.items() if quota in limits and vcpus > limits[quota]]


def _round_up(vcpus: int) -> int:
    # Quota requests are easier to grant in round figures; never below what is needed.
    return -(-vcpus // 8) * 8
