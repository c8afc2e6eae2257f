"""The java stage: a headless Java 17 from the OS's own packages."""
import pytest

from components.stages import java


@pytest.mark.parametrize("os, package, family", [
    ("debian-12", "openjdk-17-jre-headless", "apt"),
    ("al2023", "java-17-amazon-corretto-headless", "dnf"),
])
def test_java_is_a_headless_17_from_the_oses_own_packages(make_settings, broker, os, package, family):
    plan = java.plan(make_settings({"os": os}), broker)
    assert (plan.env["JAVA_PACKAGE"], plan.env["PKG_FAMILY"]) == (package, family)
