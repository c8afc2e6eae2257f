"""Applying stage plans to a host over SSH, whatever platform it came from.

Each stage becomes a CopyToRemote (its bundle: files, script, env) and a Command that runs it,
chained in stage order and re-run only when the stage's digest (or the host) changes.
Plans that need another host's values (the broker's IP) are computed inside Output.apply, so a
host waits only for the values it uses, never for another host's installation.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pulumi
from pulumi_command import remote

from components.platform.base import Host
from components.stages import STAGES
from components.stages.plan import Facts, Plan

BUILD_DIR = Path(__file__).resolve().parents[1] / ".build"
# Tests point it elsewhere, so they never leave bundles in the checkout.
BUILD_DIR_VARIABLE = "KAFKA_PIPELINE_BUILD_DIR"


def apply_stages(host: Host, stages: Sequence[str], facts: pulumi.Output[Facts] | Facts,
                 plan_for: Callable[[str, Facts], Plan], parent: pulumi.Resource,
                 after: Sequence[pulumi.Resource] = (), former_stages: Mapping[str, str] | None = None,
                 waits: Mapping[str, Sequence[pulumi.Resource]] | None = None) -> list[remote.Command]:
    """One CopyToRemote + Command per stage, in order, the first after `after`, a stage named in
    `waits` also after what it names there; returns the commands.

    A stage re-runs when its own content changes or any earlier stage's on the host does: the stage
    that starts a service then sees what another stage placed for it (a new heap, a new release)
    and restarts the service if, and only if, anything it runs from differs.

    `former_stages` maps a renamed stage to its former name; with the host's former name, its
    resources keep their identity (aliases) instead of being replaced."""
    commands: list[remote.Command] = []
    digests: list[pulumi.Output[str]] = []
    home = f"/home/{host.user}"
    for stage in stages:
        plan = pulumi.Output.from_input(facts).apply(lambda f, s=stage: plan_for(s, f))
        child = f"{host.name}-{stage}"
        formers = former_names(host, stage, (former_stages or {}).get(stage))
        # The archive is named before its content is known: a preview of new hosts cannot know their
        # addresses, and the command provider (1.2.1) refuses an unknown archive. The folder is
        # written before `written` resolves, and Pulumi registers the copy only once all its inputs
        # (this trigger among them) are resolved, so the engine hashes the finished folder.
        folder = bundle_folder(child, stage)
        # The bundle's digest holds no secret (Plan.digest leaves secret values out), though facts
        # that carry one (a broker's key, the login seed) mark everything computed from them secret;
        # the command provider (1.2.1) refuses a secret trigger whose value is not known yet.
        written = pulumi.Output.unsecret(plan.apply(lambda p, f=folder: write_bundle(f, p)))
        digests.append(written)
        copy = remote.CopyToRemote(
            f"{child}-files",
            connection=host.connection,
            source=pulumi.FileArchive(str(folder)),
            remote_path=home,
            triggers=[written, host.id],
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[host.resource],
                                        aliases=[pulumi.Alias(name=f"{n}-files") for n in formers]),
        )
        command = remote.Command(
            child,
            connection=host.connection,
            create=f"sudo bash {home}/{bundle_name(stage)}/apply.sh",
            # Secrets travel on stdin, as a Pulumi secret: never in a command line or plaintext state.
            # A changed secret changes stdin, which re-runs the command as an update.
            stdin=pulumi.Output.secret(plan.apply(lambda p: p.stdin())),
            triggers=[*digests, host.id],
            logging=remote.Logging.STDERR,
            # sshd refuses to set the previous output as environment: asking only earns a warning.
            add_previous_output_in_env=False,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[copy, *(commands[-1:] or after),
                                                                   *(waits or {}).get(stage, ())],
                                        additional_secret_outputs=["stdin"],
                                        aliases=[pulumi.Alias(name=n) for n in formers]),
        )
        commands.append(command)
    return commands


def former_names(host: Host, stage: str, former_stage: str | None) -> list[str]:
    names = {f"{h}-{s}" for h in (host.name, host.former_name) if h for s in (stage, former_stage) if s}
    return sorted(names - {f"{host.name}-{stage}"})


def stage_plan(settings) -> Callable[[str, Facts], Plan]:
    return lambda stage, facts: STAGES[stage](settings, facts)


def bundle_name(stage: str) -> str:
    return f"kp-{stage}"


def bundle_folder(child: str, stage: str) -> Path:
    """Where a stage's bundle is materialised for CopyToRemote: .build/<stack>/<child>/kp-<stage>,
    created empty when missing so a preview can name it."""
    folder = Path(os.environ.get(BUILD_DIR_VARIABLE) or BUILD_DIR) / pulumi.get_stack() / child / bundle_name(stage)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_bundle(folder: Path, plan: Plan) -> str:
    """Replace the folder's content with the plan's bundle; returns the plan's digest."""
    shutil.rmtree(folder)
    for relative, content in plan.bundle().items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return plan.digest()
