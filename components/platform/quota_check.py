"""The account's EC2 vCPU quotas, read before anything is created (Service Quotas). A stack that
cannot fit is refused with the figures; without permission to read quotas, a warning, and the
deployment goes on (AWS still refuses what exceeds them, later)."""
from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from components import cost, quotas
from components.settings import Settings


def refuse_what_cannot_fit(settings: Settings, vcpus_of: Callable[[str], int]) -> None:
    needed = quotas.needed_vcpus(cost.instance_counts(settings), vcpus_of)
    limits: dict[quotas.Quota, float] = {}
    for quota in needed:
        try:
            limits[quota] = aws.servicequotas.get_service_quota(service_code="ec2", quota_code=quota.code).value
        except Exception as error:  # no servicequotas:GetServiceQuota permission must not stop a deployment
            pulumi.log.warn(f"could not read the vCPU quota '{quota.name}' ({quota.code}): "
                            f"{str(error).splitlines()[0][:200]}. The stack needs {needed[quota]} vCPUs of it; "
                            "deploying anyway (reading it needs servicequotas:GetServiceQuota)")
    refused = quotas.shortfalls(needed, limits)
    if refused:
        raise pulumi.RunError(f"the stack does not fit this account's EC2 vCPU quotas in {settings.region}: "
                              + "; ".join(refused) + ". Instances of other stacks in the account count too. "
                              "Nothing was created.")
