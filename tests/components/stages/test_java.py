"""The java stage: a headless Java from the OS's own packages (21 where the OS has no 17)."""
from dataclasses import replace

import pytest

from components.oses import OPERATING_SYSTEMS

from components.stages import java


@pytest.mark.parametrize("os, package, family", [
    ("debian-13", "openjdk-21-jre-headless", "apt"),
    ("debian-12", "openjdk-17-jre-headless", "apt"),
    ("al2023", "java-17-amazon-corretto-headless", "dnf"),
])
@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_java_is_headless_from_the_oses_own_packages(make_settings, broker, os, package, family, arch):
    plan = java.plan(make_settings({"os": os}), replace(broker, arch=arch))
    assert (plan.env["JAVA_PACKAGE"], plan.env["PKG_FAMILY"]) == (package, family)


@pytest.mark.parametrize("os", sorted(OPERATING_SYSTEMS))
def test_every_os_names_java_for_every_architecture_it_has_images_for(os):
    system = OPERATING_SYSTEMS[os]
    assert set(system.java_packages) == set(system.ami_parameters)
