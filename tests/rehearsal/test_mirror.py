"""The mirror serves both archives where the stack config points, to hosts on a bridge that did
not exist when it started, and its start/stop/status commands are idempotent."""
from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from components import releases
from tests.settings import make
from tests.integration.netns import Network, SetupError, ip, require_tools
from tests.rehearsal import kafka_dist, logstash_dist, mirror

# Needs root (a bridge and a namespace) and the Maven jars, like the broker tests.
pytestmark = pytest.mark.integration

SUBNET = "10.213.9"
ADDRESS = f"{SUBNET}.1"  # the bridge's own address, as the rehearsal's gateway holds it
PORT = 18931
KAFKA = [releases.DEFAULT_KAFKA, releases.ZOOKEEPER_KAFKA]
# Real Logstash: only releases with an offline build (../shared/tools/logstash) can be served.
LOGSTASH = logstash_dist.offline_versions()[:1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", mirror.MODULE, *args], cwd=mirror.REPO,
                          capture_output=True, text=True, timeout=120)


def start_args(root: Path, port: int = PORT) -> list[str]:
    return ["start", "--root", str(root), "--address", ADDRESS, "--port", str(port),
            "--kafka", *KAFKA, "--logstash", *LOGSTASH]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = tmp_path_factory.mktemp("mirror")
    yield path
    mirror.stop(path)


@pytest.fixture(scope="module")
def net():
    try:
        require_tools()
    except SetupError as error:
        pytest.fail(str(error), pytrace=False)
    network = Network(tag="kmir", subnet=SUBNET, hosts=("host",))
    network.destroy()  # a leftover bridge would hold the address the mirror must start without
    yield network
    network.destroy()


@pytest.fixture(scope="module")
def started(root, net) -> dict:
    """`start` before the bridge and its address exist, then the bridge comes up, as with Pulumi."""
    with socket.socket() as plain, pytest.raises(OSError) as refused:
        plain.bind((ADDRESS, PORT))
    assert refused.value.errno == errno.EADDRNOTAVAIL, "the address must not exist yet"
    result = cli(*start_args(root))
    assert result.returncode == 0, result.stderr
    net.create()
    ip("addr", "add", f"{ADDRESS}/24", "dev", net.bridge)
    return json.loads(result.stdout)


def served_config(root: Path) -> dict[str, str]:
    """What a stack must be told: this mirror, and the digests of the first versions' archives as served now."""
    return {
        "kafka.downloadUrl": f"http://{ADDRESS}:{PORT}/kafka",
        "kafka.sha512": mirror.sha512(kafka_dist.archive_path(KAFKA[0], root / "kafka")),
        "logstash.downloadUrl": f"http://{ADDRESS}:{PORT}/logstash",
        "logstash.sha512": mirror.sha512(root / "logstash" / f"logstash-{LOGSTASH[0]}-linux-x86_64.tar.gz"),
        "logstash.version": LOGSTASH[0],
    }


def test_config_names_the_mirror_and_the_first_versions_digests(started, root):
    assert started == served_config(root)
    parsed = make(
        {"kafka": {"downloadUrl": started["kafka.downloadUrl"], "sha512": started["kafka.sha512"]},
         "logstash": {"downloadUrl": started["logstash.downloadUrl"], "sha512": started["logstash.sha512"]}},
        stack="mirror")
    assert (parsed.kafka.sha512, parsed.logstash.sha512) == (started["kafka.sha512"], started["logstash.sha512"])


@pytest.mark.parametrize("url", [
    *(releases.kafka_archive(v, "{kafka}") for v in KAFKA),
    *(releases.logstash_archive(v, "x86_64", "{logstash}") for v in LOGSTASH),
])
def test_hosts_on_the_bridge_download_every_archive(started, root, net, tmp_path, url):
    url = url.format(kafka=started["kafka.downloadUrl"], logstash=started["logstash.downloadUrl"])
    served = root / url.removeprefix(f"http://{ADDRESS}:{PORT}/")
    got = tmp_path / "download"
    result = net.run("host", ["curl", "-fsS", "--max-time", "60", "-o", str(got), url], timeout=90)
    assert result.returncode == 0, result.stderr
    assert mirror.sha512(got) == mirror.sha512(served)


def test_only_the_archives_are_served(started, net):
    for path in (mirror.PIDFILE, mirror.LOGFILE):
        result = net.run("host", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                  f"http://{ADDRESS}:{PORT}/{path}"], timeout=30)
        assert result.stdout == "404", result.stderr


def test_requests_are_logged_to_the_file_not_the_terminal(started, root, net):
    net.run("host", ["curl", "-fsS", "-o", "/dev/null", f"{started['kafka.downloadUrl']}/"], timeout=30)
    assert '"GET /kafka/ HTTP/1.1" 200' in (root / mirror.LOGFILE).read_text()


def test_start_again_reuses_the_running_server(started, root):
    before = mirror.running(root)
    again = cli(*start_args(root))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == served_config(root)
    assert mirror.running(root) == before


def test_start_elsewhere_while_running_is_refused(started, root):
    other = cli(*start_args(root, port=PORT + 1))
    assert other.returncode != 0 and "stop it first" in other.stderr


def test_stop_and_status_are_idempotent(started, root):
    pid = mirror.running(root)["pid"]
    assert cli("status", "--root", str(root)).returncode == 0
    for _ in range(2):
        assert cli("stop", "--root", str(root)).returncode == 0
        assert cli("status", "--root", str(root)).returncode == 1
    assert not mirror.is_server(pid) and not (root / mirror.PIDFILE).exists()
    restarted = cli(*start_args(root))
    assert restarted.returncode == 0, restarted.stderr
    assert json.loads(restarted.stdout) == served_config(root) and mirror.running(root)["pid"] != pid


def test_a_logstash_release_without_an_offline_build_is_refused_by_name(root):
    refused = cli("start", "--root", str(root), "--address", ADDRESS, "--port", str(PORT),
                  "--kafka", KAFKA[0], "--logstash", releases.DEFAULT_LOGSTASH)
    assert releases.DEFAULT_LOGSTASH not in logstash_dist.offline_versions()
    assert refused.returncode != 0
    assert f"Logstash {releases.DEFAULT_LOGSTASH} cannot be served offline" in refused.stderr, refused.stderr


def test_the_archive_is_the_offline_build_with_a_runnable_jdk(started, root, tmp_path):
    archive = logstash_dist.archive_path(LOGSTASH[0], root / "logstash")
    with tarfile.open(logstash_dist.bundle(LOGSTASH[0])) as bundled:
        expected = {m.name for m in bundled}
    with tarfile.open(archive) as served:
        names = set(served.getnames())
        served.extractall(tmp_path, filter="tar")
    top = f"logstash-{LOGSTASH[0]}"
    assert expected <= names, "every entry of the offline build is served"
    assert {n for n in names - expected if not n.startswith(f"{top}/jdk")} == {f"{top}/JDK_VERSION"}
    # bin/logstash picks <install>/jdk when neither JAVACMD nor LS_JAVA_HOME is set, as on the hosts.
    java = tmp_path / top / "jdk" / "bin" / "java"
    result = subprocess.run([str(java), "-version"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and 'version "17.' in result.stderr, result.stderr


def test_stale_pidfile_does_not_count_as_running(tmp_path):
    # pid 1 is alive but is not a mirror
    (tmp_path / mirror.PIDFILE).write_text(json.dumps({"pid": 1, "address": ADDRESS, "port": PORT}))
    assert mirror.running(tmp_path) is None
    assert mirror.stop(tmp_path) is False and not (tmp_path / mirror.PIDFILE).exists()
