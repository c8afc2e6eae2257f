"""A kafka.security sasl_ssl broker in the namespace harness, as a stack deploys it: certificates
from a throwaway authority (tests/integration/tls.py), started with the server.properties we
render, its logins and grants made by the logins stage's own script (run in the broker's namespace
with Kafka's ConfigCommand and AclCommand behind the launchers it calls); and the files a rendered
pipeline refers to on its host (the CA, the producer's JAAS file), placed where the harness roots
that host. Used by the security tests and by the bench."""
from __future__ import annotations

import dataclasses
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.errors import Secret
from components.logstash.pipelines import JAAS_SECRET
from components.settings import Settings
from components.stages import logins, pipeline_files
from components.stages.plan import Facts, File, Plan
from tests.integration import tls
from tests.integration.broker import TOOL_HEAP, Cluster
from tests.integration.client import Host
from tests.integration.flow import PIPELINE_STAGE
from tests.integration.jvm import JVM_OPTS, log_config, rooted
from tests.integration.logstash import GROUP as LOGSTASH_GROUP
from tests.scripts.jaas import write_jaas

# The launchers the logins stage's script calls, as Kafka's bin/ names them.
LAUNCHERS = {"kafka-configs.sh": "kafka.admin.ConfigCommand", "kafka-acls.sh": "org.apache.kafka.tools.AclCommand"}


def secured_cluster(settings: Settings, secrets: Path, seed: Secret, **cluster_args) -> Cluster:
    """The cluster, not started yet, its brokers given TLS material from a new authority in
    `secrets`; `cluster.ca`, `.secrets` and `.seed` tell what it trusts and derives logins from."""
    cluster = Cluster(settings, provision=lambda broker: tls.broker_material(secrets / "ca", broker.tls_dir, broker.ip),
                      **cluster_args)
    cluster.ca, cluster.secrets, cluster.seed = tls.authority(secrets / "ca"), secrets, seed
    return cluster


def start(cluster: Cluster) -> None:
    """Started, its topics made, the logins stage run (`cluster.first_logins` holds what it said);
    stopped again if any of that fails."""
    try:
        cluster.start()
        cluster.broker.create_topics()
        cluster.first_logins = run_logins_stage(cluster, cluster.settings)
    except BaseException:
        cluster.stop()
        raise


def serve(cluster: Cluster) -> Iterator[Cluster]:
    """A module fixture's body: the cluster started (the test fails, naming why, if it does not
    start), yielded, stopped."""
    try:
        start(cluster)
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"sasl_ssl broker did not start: {error}", pytrace=False)
    yield cluster
    cluster.stop()


def render_pipelines(cluster: Cluster, settings: Settings) -> dict[str, tuple[Path, Host]]:
    """flow.render_pipelines for a secured cluster: each role's rendered pipeline.conf where the stage
    puts it, beside the files it refers to, and the host that finds them."""
    rendered = {}
    for role in ("producer", "consumer"):
        plan = PIPELINE_STAGE[role].plan(settings, login_facts(cluster, role))
        path = rooted(cluster.hosts[role].root, pipeline_files.CONFIG)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text({f.path: f.content for f in plan.files}[pipeline_files.CONFIG])
        rendered[role] = (path, place_login_files(cluster, role, plan))
    return rendered


def run_logins_stage(cluster: Cluster, settings: Settings) -> subprocess.CompletedProcess:
    """The logins stage as apply.sh runs it on the broker, its paths moved into the test's folder."""
    work = cluster.work / "logins"
    home = work / "kafka"
    (home / "bin").mkdir(parents=True, exist_ok=True)
    broker = cluster.broker
    for launcher, main in LAUNCHERS.items():
        argv = ["java", TOOL_HEAP, *JVM_OPTS, f"-Djava.io.tmpdir={broker.host.tmp}",
                *log_config(settings.kafka.version, broker.host.root, "WARN"), "-cp", broker.cp, main]
        (home / "bin" / launcher).write_text(f"#!/bin/sh\nexec {shlex.join(argv)} \"$@\"\n")
        (home / "bin" / launcher).chmod(0o755)
    rendered = logins.plan(settings, dataclasses.replace(broker.facts, login_seed=cluster.seed))
    acls = work / "logins.acls"
    plan = Plan(stage=rendered.stage, files=tuple(File(str(acls), f.content, f.mode) for f in rendered.files),
                env={**rendered.env, "KAFKA_HOME": str(home), "LOGIN_ACLS": str(acls),
                     "LOGIN_STATE": str(work / "state"), "STAGE_LOG": str(work / "stages.log")},
                secrets=rendered.secrets)
    bundle = work / "bundle"
    for name, content in plan.bundle().items():
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        (bundle / name).write_text(content)
    result = cluster.net.run("broker", ["bash", str(bundle / "apply.sh")], input=plan.stdin(), timeout=600)
    assert result.returncode == 0, f"logins stage failed:\n{result.stdout}{result.stderr}"
    return result


def login_facts(cluster: Cluster, role: str, student: str | None = None) -> Facts:
    """What Pulumi hands the role's pipeline stage on this cluster: its address, the CA, the seed."""
    return Facts(role=role, bootstrap=cluster.broker.bootstrap, student=student, login_seed=cluster.seed,
                 kafka_ca=cluster.ca.read_text())


def place_login_files(cluster: Cluster, role: str, plan: Plan) -> Host:
    """The CA file the plan places and the JAAS file pipeline.sh's own write_jaas writes from the
    login's secret (the producer's; given to the group Logstash runs as in the harness), under the
    role's host root; returns that host, with the secrets file's variables."""
    root = cluster.hosts[role].root
    files = {f.path: f.content for f in plan.files}
    ca = rooted(root, pipeline_files.KAFKA_CA)
    ca.parent.mkdir(parents=True, exist_ok=True)
    ca.write_text(files[pipeline_files.KAFKA_CA])
    if plan.env["KAFKA_JAAS_WANTED"] == "1":
        jaas = rooted(root, pipeline_files.KAFKA_JAAS)
        written = write_jaas(jaas, "1", plan.secrets[JAAS_SECRET].value)
        assert written.returncode == 0, written.stderr
        shutil.chown(jaas, "root", LOGSTASH_GROUP)
    host = Host(root, {k: v.value for k, v in plan.secrets.items()})
    host.save()
    return host
