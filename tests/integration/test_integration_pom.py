"""The pinned pom and the releases the deployment installs must not drift apart."""
import pytest

from components import releases
from tests.integration import jars

pytestmark = pytest.mark.integration


def test_pom_default_is_the_default_kafka_release():
    assert jars.pom_versions()["default"] == releases.DEFAULT_KAFKA, (
        "tests/integration/pom.xml <kafka.version> must equal components.releases.DEFAULT_KAFKA")


def test_pom_zookeeper_profile_is_the_zookeeper_release():
    assert jars.pom_versions()["zookeeper"] == releases.ZOOKEEPER_KAFKA
    assert "zookeeper" in releases.KAFKA[releases.ZOOKEEPER_KAFKA].modes


def test_pom_upgrade_profile_is_the_release_the_rehearsal_upgrades_from():
    assert jars.pom_versions()["upgrade-from"] == releases.UPGRADE_FROM_KAFKA
    assert jars.maven_args(releases.UPGRADE_FROM_KAFKA) == ["-P", "upgrade-from"]


def test_pom_versions_detects_drift():
    text = jars.POM.read_text().replace(f"<kafka.version>{releases.DEFAULT_KAFKA}</kafka.version>",
                                        "<kafka.version>9.9.9</kafka.version>", 1)
    assert jars.pom_versions(text)["default"] == "9.9.9"


@pytest.mark.parametrize("version", [releases.DEFAULT_KAFKA, releases.ZOOKEEPER_KAFKA, releases.UPGRADE_FROM_KAFKA])
def test_classpath_holds_every_main_class_we_run(version):
    import zipfile
    cp = jars.classpath(version)
    classes = set()
    for jar in cp.split(":"):
        with zipfile.ZipFile(jar) as z:
            classes.update(n for n in z.namelist() if n.endswith(".class"))
    needed = dict(jars.MAIN_CLASSES)
    if not version.startswith("3."):
        needed.pop("zookeeper")  # 4.x has no ZooKeeper
    for what, main in needed.items():
        assert main.replace(".", "/") + ".class" in classes, f"{what}: {main} not in Kafka {version}'s jars"
    assert any("slf4j" in j and ("log4j-slf4j-impl" in j or "slf4j-reload4j" in j) for j in cp.split(":")), \
        "no SLF4J binding: the broker's logs would be silently dropped"
