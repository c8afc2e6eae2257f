"""The local platform under mocks: the same components and stages, hosts from systemd-nspawn
machines, and not one AWS resource or call."""
from __future__ import annotations

import pytest

from components.platform import local, sizes
from tests.program import run, stack_config


@pytest.fixture
def rehearsal(monkeypatch):
    config, region = stack_config("local")
    return run(config, stack="local", region=region, monkeypatch=monkeypatch)


def test_the_local_stack_never_touches_aws(rehearsal):
    assert [r.typ for r in rehearsal.mocks.resources if r.typ.startswith("aws")] == []
    assert [c.token for c in rehearsal.mocks.calls if c.token.startswith("aws")] == []
    assert rehearsal.value("estimatedCost")["usdPerHour"] == 0


def test_hosts_are_machines_on_the_stacks_bridge(rehearsal):
    machines = {r.name: r.inputs for r in rehearsal.of_type("pulumi-python:dynamic/local:Machine")}
    assert sorted(machines) == ["kafka-consumer", "kafka-producer", "kafka-server"]
    network = rehearsal.named("pipeline-network").inputs
    assert {m["bridge"] for m in machines.values()} == {network["bridge"]}
    assert machines["kafka-server"]["user_name"] == "admin"
    # Sized as the instance types they rehearse: t4g.small, 2 GiB each.
    assert machines["kafka-server"]["memory_mib"] == 2048 and machines["kafka-producer"]["memory_mib"] == 2048
    assert len({m["machine"] for m in machines.values()}) == 3


def test_stages_reach_local_hosts_over_ssh_at_their_bridge_address(rehearsal):
    broker_ip = rehearsal.value("brokerPrivateIps")[0]
    assert broker_ip.startswith("10.214.")
    conn = rehearsal.named("kafka-server-base").inputs["connection"]["value"]
    assert conn["host"] == broker_ip and conn["user"] == "admin"
    assert rehearsal.value("sshBroker") == [f"ssh -i ~/.ssh/kafka-pipeline-local.pem admin@{broker_ip}"]


def test_local_hosts_run_debian_packages(rehearsal):
    from tests.test_main import rendered
    env = rendered(rehearsal, "kafka-server", "java")["stage.env"]
    assert "JAVA_PACKAGE='openjdk-21-jre-headless'" in env and "PKG_FAMILY='apt'" in env


def test_a_new_image_recipe_names_a_new_image_folder(monkeypatch):
    before = local.image_dir("bookworm")
    monkeypatch.setattr(local, "IMAGE_PACKAGES", (*local.IMAGE_PACKAGES, "vim"))
    assert local.image_dir("bookworm") != before
    assert before.startswith("/var/cache/kafka-pipeline/images/bookworm-")


def test_machine_names_fit_an_interface_name():
    name = local.machine_name("a-rather-long-stack-name", "kafka-consumer-a-rather-long-student")
    assert len("vb-" + name) <= 15
    assert name != local.machine_name("a-rather-long-stack-name", "kafka-consumer-another")


@pytest.mark.parametrize("kind, mib", [("t3.medium", 4096), ("t4g.small", 2048), ("t3.large", 8192),
                                       ("m7g.large", 8192), ("c7g.xlarge", 8192), ("x9.weird", 4096)])
def test_local_hosts_get_the_memory_of_the_instance_type(kind, mib):
    assert sizes.memory_mib(kind) == mib


def test_hosts_use_this_machines_resolver_only_with_nat(tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.53\nnameserver 10.255.255.53\n")
    assert local.nameserver(True, (str(resolv),)) == "10.255.255.53"
    assert local.nameserver(False, (str(resolv),)) == ""
