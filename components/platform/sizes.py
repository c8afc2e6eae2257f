"""How much memory a local host gets: the memory of the EC2 instance type it rehearses, so stages
size heaps as they would on AWS and the host's cgroup holds it to that.

Burstable types (t3, t3a, t4g, ...) double from 0.5 GiB (nano) to 32 GiB (2xlarge); the general,
compute and memory families have 4, 2 and 8 GiB per vCPU, with 2 vCPUs at `large`."""
from __future__ import annotations

BURSTABLE_MIB = {"nano": 512, "micro": 1024, "small": 2048, "medium": 4096, "large": 8192,
                 "xlarge": 16384, "2xlarge": 32768}
VCPUS = {"medium": 1, "large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16}
MIB_PER_VCPU = {"m": 4096, "c": 2048, "r": 8192}
FALLBACK_MIB = 4096


def memory_mib(instance_type: str) -> int:
    family, _, size = instance_type.partition(".")
    if family.startswith("t"):
        return BURSTABLE_MIB.get(size, FALLBACK_MIB)
    per_vcpu = MIB_PER_VCPU.get(family[:1])
    if per_vcpu and size in VCPUS:
        return per_vcpu * VCPUS[size]
    return FALLBACK_MIB
