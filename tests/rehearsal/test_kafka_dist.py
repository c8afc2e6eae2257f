"""The assembled Kafka distribution works the way the deployment uses Apache's: unpacked like
lib.sh does it, storage formatted and the broker started through ITS OWN launchers with the
server.properties our stage renders, clients served across a private network."""
from __future__ import annotations

import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from components import releases
from tests.settings import make
from components.stages import kafka, topics, zookeeper
from components.stages.plan import Facts, properties
from tests.integration import jars
from tests.integration.broker import READY_MARKERS
from tests.integration.jvm import Process
from tests.integration.netns import Network, SetupError, require_tools
from tests.rehearsal import kafka_dist

pytestmark = pytest.mark.integration

VERSION = releases.DEFAULT_KAFKA
HEAP = "-Xms320m -Xmx320m"  # not any launcher's default, so the command line shows it was honoured
TOOL_ENV = ["KAFKA_HEAP_OPTS=-Xmx128m"]
LINES = ["first line", "second line", "third line"]


class DistBroker:
    """The distribution unpacked under `root` (a stand-in host filesystem), its broker in a namespace."""

    def __init__(self, home: Path, root: Path, net: Network):
        self.home, self.root, self.net = home, root, net
        self.settings = make(
            {"kafka": {"version": VERSION, "mode": "kraft", "security": "plaintext",
                       "topics": [{"name": "twitter"}, {"name": "events", "partitions": 3}]}},
            stack="kdist")
        self.ip = net.ip["broker"]
        self.facts = Facts(role="broker", private_ip=self.ip, memory_mib=2048)
        self.config = root / kafka.CONFIG.lstrip("/")
        self.log_dir = root / "var" / "log" / "kafka"
        self.bootstrap = kafka.bootstrap_servers((self.ip,))
        self.process = Process(net, "broker", [
            "env", f"LOG_DIR={self.log_dir}", f"KAFKA_HEAP_OPTS={HEAP}",
            str(self.bin("kafka-server-start.sh")), str(self.config)], root / "broker.out")

    def bin(self, name: str) -> Path:
        return launcher(self.home, name)

    def start(self, timeout: float = 60) -> None:
        data_dir = self.root / kafka.DATA_DIR.lstrip("/")
        self.config.parent.mkdir(parents=True)
        self.config.write_text(properties(kafka.server_properties(self.settings, self.facts, data_dir=str(data_dir))))
        formatted = self.tool("broker", "kafka-storage.sh", *kafka.format_args(self.settings, config=str(self.config)),
                              env=[f"LOG_DIR={self.log_dir}"])
        assert formatted.returncode == 0, formatted.stdout + formatted.stderr
        self.process.start()
        deadline = time.monotonic() + timeout
        while not (READY_MARKERS[0] in self.process.output() and self.net.port_open("broker", self.ip, kafka.CLIENT_PORT)):
            assert self.process.alive(), f"broker exited:\n{self.process.tail()}"
            assert time.monotonic() < deadline, f"broker not ready in {timeout}s:\n{self.process.tail()}"
            time.sleep(0.3)

    def tool(self, host: str, name: str, *args: str, env: list[str] = TOOL_ENV, stdin: str | None = None,
             timeout: float = 90) -> subprocess.CompletedProcess:
        return self.net.run(host, ["env", *env, str(self.bin(name)), *args], timeout=timeout, input=stdin)


def unpack(archive: Path, home: Path) -> Path:
    """As lib.sh's unpack_once does it."""
    home.mkdir(parents=True)
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(home), "--strip-components=1"], check=True)
    return home


def launcher(home: Path, name: str) -> Path:
    return home / "bin" / name


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return kafka_dist.build(VERSION, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def zookeeper_archive(tmp_path_factory) -> Path:
    """The release `kafka.mode: zookeeper` runs: Kafka 3 jars, with ZooKeeper and reload4j."""
    return kafka_dist.build(releases.ZOOKEEPER_KAFKA, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def home(archive, tmp_path_factory) -> Path:
    return unpack(archive, tmp_path_factory.mktemp("opt") / f"kafka-{VERSION}")


@pytest.fixture(scope="module")
def net():
    try:
        require_tools()
    except SetupError as error:
        pytest.fail(str(error), pytrace=False)
    network = Network(tag="kdist", subnet="10.213.8", hosts=("broker", "client"))
    network.create()
    yield network
    network.destroy()


@pytest.fixture(scope="module")
def broker(home, net, tmp_path_factory):
    b = DistBroker(home, tmp_path_factory.mktemp("host"), net)
    try:
        b.start()
        yield b
    finally:
        b.process.stop()


def members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {m.name: m for m in tar.getmembers()}


def read_member(archive: Path, name: str) -> str:
    with tarfile.open(archive) as tar:
        return tar.extractfile(name).read().decode()


def test_archive_sits_where_the_download_url_points(archive):
    base = archive.parents[1]
    assert releases.kafka_archive(VERSION, str(base)) == str(archive)


def test_archive_has_one_folder_with_the_releases_jars_launchers_and_logging(archive):
    entries = members(archive)
    top = archive.name.removesuffix(".tgz")
    assert {name.split("/")[0] for name in entries} == {top}
    libs = {Path(n).name for n in entries if n.startswith(f"{top}/libs/")}
    assert libs == {Path(j).name for j in jars.classpath(VERSION).split(":")}
    launchers = {Path(n).name for n in entries if n.startswith(f"{top}/bin/")}
    assert launchers == {p.name for p in kafka_dist.LAUNCHERS.glob("*.sh")} - {"zookeeper-server-start.sh"}
    assert all(entries[f"{top}/bin/{n}"].mode == 0o755 for n in launchers - {"log4j-opts.sh"})
    assert {n for n in entries if n.startswith(f"{top}/config/")} == {
        f"{top}/config/log4j2.properties", f"{top}/config/tools-log4j2.properties"}
    assert "NOT an Apache release" in read_member(archive, f"{top}/README")
    assert {(m.uid, m.gid, m.uname, m.mtime) for m in entries.values()} == {(0, 0, "root", kafka_dist.MTIME)}


def test_launchers_name_the_releases_own_main_classes(archive, zookeeper_archive):
    older = zookeeper_archive
    mains = {"kafka-console-producer.sh": ("org.apache.kafka.tools.ConsoleProducer", "kafka.tools.ConsoleProducer"),
             "kafka-broker-api-versions.sh": ("org.apache.kafka.tools.BrokerApiVersionsCommand",
                                              "kafka.admin.BrokerApiVersionsCommand")}
    for launcher, (newer_main, older_main) in mains.items():
        assert f'"{newer_main}"' in read_member(archive, f"kafka_2.13-{VERSION}/bin/{launcher}")
        assert f'"{older_main}"' in read_member(older, f"kafka_2.13-{releases.ZOOKEEPER_KAFKA}/bin/{launcher}")
    top = f"kafka_2.13-{releases.ZOOKEEPER_KAFKA}"
    assert jars.MAIN_CLASSES["zookeeper"] in read_member(older, f"{top}/bin/zookeeper-server-start.sh")
    assert f"{top}/config/log4j.properties" in members(older)


def test_rebuild_is_byte_identical_and_skipped_while_inputs_are_unchanged(archive, tmp_path):
    again = kafka_dist.build(VERSION, tmp_path)
    assert again.read_bytes() == archive.read_bytes()
    written = again.stat().st_mtime_ns
    assert kafka_dist.build(VERSION, tmp_path).stat().st_mtime_ns == written
    stamp = again.with_name(again.name + ".stamp")
    stamp.write_text("inputs of another build\n")
    rebuilt = kafka_dist.build(VERSION, tmp_path)
    assert rebuilt.stat().st_mtime_ns != written and rebuilt.read_bytes() == archive.read_bytes()


def test_broker_honours_log_dir_and_heap_from_the_environment(broker):
    argv = Path(f"/proc/{broker.process.proc.pid}/cmdline").read_bytes().decode().rstrip("\0").split("\0")
    assert argv[0].endswith("java")
    assert HEAP.split() == [a for a in argv if a.startswith(("-Xms", "-Xmx"))]
    assert f"-Dkafka.logs.dir={broker.log_dir}" in argv
    assert f"-Dlog4j2.configurationFile={broker.home}/config/log4j2.properties" in argv
    assert argv[argv.index("-cp") + 1].startswith(f"{broker.home}/libs/")
    assert argv[-2:] == [jars.MAIN_CLASSES["broker"], str(broker.config)]
    assert broker.log_dir.is_dir()


def test_topics_stage_commands_create_topics_that_describe_shows(broker):
    for args in topics.topic_commands(broker.settings, broker.bootstrap):
        for _ in range(2):  # --if-not-exists: the stage may run again
            created = broker.tool("client", "kafka-topics.sh", *args)
            assert created.returncode == 0, created.stdout + created.stderr
    described = broker.tool("client", "kafka-topics.sh", "--bootstrap-server", broker.bootstrap, "--describe",
                            "--topic", "events")
    assert described.returncode == 0, described.stderr
    assert described.stdout.count("Topic: events\tPartition:") == 3, described.stdout


def test_console_producer_and_consumer_round_trip(broker):
    topic = ["--bootstrap-server", broker.bootstrap, "--topic", "twitter"]
    produced = broker.tool("client", "kafka-console-producer.sh", *topic, stdin="".join(f"{line}\n" for line in LINES))
    assert produced.returncode == 0, produced.stdout + produced.stderr
    consumed = broker.tool("client", "kafka-console-consumer.sh", *topic, "--from-beginning", "--group", "kdist",
                           "--max-messages", str(len(LINES)), "--timeout-ms", "30000")
    assert consumed.returncode == 0, consumed.stderr
    assert consumed.stdout.splitlines() == LINES
    group = broker.tool("client", "kafka-consumer-groups.sh", "--bootstrap-server", broker.bootstrap,
                        "--describe", "--group", "kdist")
    assert group.returncode == 0, group.stderr
    assert group.stdout.split("\n", 2)[2].split()[1:4] == ["twitter", "0", str(len(LINES))], group.stdout


@pytest.mark.parametrize("launcher, args, expected", [
    ("kafka-metadata-quorum.sh", ["describe", "--status"], "LeaderId:"),
    ("kafka-broker-api-versions.sh", [], "Produce(0):"),
    ("kafka-get-offsets.sh", ["--topic", "events"], "events:2:"),
])
def test_operator_tools_answer(broker, launcher, args, expected):
    result = broker.tool("client", launcher, "--bootstrap-server", broker.bootstrap, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert expected in result.stdout


def test_zookeeper_launcher_of_a_zookeeper_release_serves(zookeeper_archive, net, tmp_path):
    home = unpack(zookeeper_archive, tmp_path / "kafka")
    config = tmp_path / "zookeeper.properties"
    config.write_text(properties(zookeeper.zookeeper_properties(data_dir=str(tmp_path / "zk"))))
    process = Process(net, "client", ["env", *TOOL_ENV, f"LOG_DIR={tmp_path / 'logs'}",
                                      str(launcher(home, "zookeeper-server-start.sh")), str(config)], tmp_path / "zk.out")
    process.start()
    try:
        deadline = time.monotonic() + 30
        while not net.port_open("client", "127.0.0.1", zookeeper.PORT):
            assert process.alive() and time.monotonic() < deadline, process.tail()
            time.sleep(0.3)
        assert "binding to port" in process.output()  # reload4j's server config logs INFO to stdout
    finally:
        process.stop()


@pytest.mark.parametrize("name, args, message", [
    ("kafka-server-start.sh", [], "USAGE:"),
    ("kafka-server-start.sh", ["-daemon", "server.properties"], "-daemon is not supported"),
    ("kafka-run-class.sh", ["-name", "kafkaServer", "kafka.Kafka"], "-name is not supported"),
])
def test_launchers_refuse_what_they_do_not_do(home, name, args, message):
    result = subprocess.run([str(launcher(home, name)), *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_without_java_the_launcher_says_how_to_get_it(home, tmp_path):
    # A PATH with what the scripts need but no java.
    for tool in ("env", "bash", "dirname"):
        (tmp_path / tool).symlink_to(subprocess.run(["which", tool], capture_output=True, text=True).stdout.strip())
    result = subprocess.run([str(launcher(home, "kafka-topics.sh")), "--version"], capture_output=True, text=True,
                            timeout=30, env={"PATH": str(tmp_path)})
    assert result.returncode == 1 and "openjdk-17-jre-headless" in result.stderr, result.stderr
