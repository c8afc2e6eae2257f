"""An EC2 host for one role, and the machinery that applies stage plans to it over SSH.

Each stage becomes a CopyToRemote (its bundle: files, script, env) and a Command that runs it,
chained in stage order and re-run only when the stage's digest (or the instance) changes.
Plans that need another host's values (the broker's IP) are computed inside Output.apply, so a
host waits only for the values it uses, never for another host's installation.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
from pulumi_command import remote

from components.stages import STAGES
from components.stages.plan import Facts, Plan

USER = "ec2-user"
BUILD_DIR = Path(__file__).resolve().parents[1] / ".build"
AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
ROOT_VOLUME_GIB = 16


@dataclass(frozen=True)
class Machine:
    """What AWS says about an instance type: the facts stages size themselves by."""

    instance_type: str
    arch: str
    memory_mib: int


class Catalog:
    """AWS look-ups made once per program run and instance type (or architecture), not per host:
    a class of fifty students asks AWS about two instance types, not a hundred hosts."""

    def __init__(self) -> None:
        self._machines: dict[str, Machine] = {}
        self._amis: dict[str, str] = {}

    def machine(self, instance_type: str) -> Machine:
        if instance_type not in self._machines:
            info = aws.ec2.get_instance_type(instance_type=instance_type)
            archs = info.supported_architectures or []
            arch = "arm64" if "arm64" in archs else "x86_64"
            self._machines[instance_type] = Machine(instance_type, arch, int(info.memory_size))
        return self._machines[instance_type]

    def ami(self, arch: str) -> str:
        if arch not in self._amis:
            self._amis[arch] = aws.ssm.get_parameter(name=AMI_PARAMETER.format(arch=arch)).insecure_value
        return self._amis[arch]


@dataclass(frozen=True)
class HostArgs:
    role: str
    machine: Machine
    ami: str
    subnet_id: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    key_name: pulumi.Input[str]
    private_key: pulumi.Output[str] | None
    tags: dict[str, str]


def create_instance(name: str, args: HostArgs, parent: pulumi.Resource) -> aws.ec2.Instance:
    return aws.ec2.Instance(
        name,
        ami=args.ami,
        instance_type=args.machine.instance_type,
        subnet_id=args.subnet_id,
        vpc_security_group_ids=[args.security_group_id],
        key_name=args.key_name,
        associate_public_ip_address=True,
        # The TTL guard powers the instance off; "stop" keeps disk and data for a later start.
        instance_initiated_shutdown_behavior="stop",
        metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
            http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1),
        root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
            encrypted=True, volume_type="gp3", volume_size=ROOT_VOLUME_GIB, delete_on_termination=True),
        tags={**args.tags, "Name": name},
        volume_tags={**args.tags, "Name": name},
        # A newer AMI must not replace a running lab; new hosts pick it up.
        opts=pulumi.ResourceOptions(parent=parent, ignore_changes=["ami"]),
    )


def connection(instance: aws.ec2.Instance, private_key: pulumi.Output[str] | None) -> remote.ConnectionArgs:
    # A booting instance refuses SSH for a minute or two: wait for it (about 10 minutes) instead of failing.
    # Without a generated key (sshPublicKey given), the user's ssh-agent holds the private half.
    return remote.ConnectionArgs(host=instance.public_ip, user=USER, private_key=private_key,
                                 agent_socket_path=None if private_key is not None else os.environ.get("SSH_AUTH_SOCK"),
                                 dial_error_limit=60, per_dial_timeout=10)


def apply_stages(name: str, stages: Sequence[str], facts: pulumi.Output[Facts] | Facts,
                 plan_for: Callable[[str, Facts], Plan], instance: aws.ec2.Instance,
                 private_key: pulumi.Output[str] | None, parent: pulumi.Resource,
                 after: Sequence[pulumi.Resource] = ()) -> list[remote.Command]:
    """One CopyToRemote + Command per stage, in order, the first after `after`; returns the commands."""
    conn = connection(instance, private_key)
    commands: list[remote.Command] = []
    for stage in stages:
        plan = pulumi.Output.from_input(facts).apply(lambda f, s=stage: plan_for(s, f))
        child = f"{name}-{stage}"
        copy = remote.CopyToRemote(
            f"{child}-files",
            connection=conn,
            source=plan.apply(lambda p, c=child: pulumi.FileArchive(str(write_bundle(c, p)))),
            remote_path=f"/home/{USER}",
            triggers=[plan.apply(lambda p: p.digest()), instance.id],
            opts=pulumi.ResourceOptions(parent=parent),
        )
        command = remote.Command(
            child,
            connection=conn,
            create=f"sudo bash /home/{USER}/{bundle_name(stage)}/apply.sh",
            # Secrets travel on stdin, as a Pulumi secret: never in a command line or plaintext state.
            stdin=pulumi.Output.secret(plan.apply(lambda p: p.stdin())),
            triggers=[plan.apply(lambda p: p.digest()), pulumi.Output.secret(plan.apply(lambda p: p.secret_digest())),
                      instance.id],
            logging=remote.Logging.STDERR,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[copy, *(commands[-1:] or after)],
                                        additional_secret_outputs=["stdin"]),
        )
        commands.append(command)
    return commands


def stage_plan(settings) -> Callable[[str, Facts], Plan]:
    return lambda stage, facts: STAGES[stage](settings, facts)


def bundle_name(stage: str) -> str:
    return f"kp-{stage}"


def write_bundle(child: str, plan: Plan) -> Path:
    """Materialise a stage's bundle under .build/<stack>/<child>/kp-<stage> for CopyToRemote."""
    folder = BUILD_DIR / pulumi.get_stack() / child / bundle_name(plan.stage)
    if folder.exists():
        shutil.rmtree(folder)
    for relative, content in plan.bundle().items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return folder
