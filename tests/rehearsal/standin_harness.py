"""What the stand-in's tests share: its version, how it is unpacked, configured and run, and the
pipelines our stages render for it."""
from __future__ import annotations

import subprocess
from pathlib import Path

from components import releases
from components.stages.plan import Facts
from tests.integration.flow import PIPELINE_STAGE
from tests.settings import make

VERSION = releases.DEFAULT_LOGSTASH
# Only the system's directories: `python3` is then Debian's, as on the hosts, not this venv's.
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
TOPIC = "sti"
# One topic per broker test, so each runs alone too.
TOPICS = [{"name": TOPIC, "partitions": 3}, {"name": "sti-meta", "partitions": 2}, {"name": "sti-restart", "partitions": 3}]


def settings_for(**raw):
    base = {"kafka": {"topics": TOPICS}, "producer": {"topic": TOPIC}}
    for key, value in raw.items():
        base[key] = {**base.get(key, {}), **value}
    return make(base, stack="rehearsal")


def render(settings, role: str, broker: str = "10.213.9.2"):
    return PIPELINE_STAGE[role].plan(settings, Facts(role=role, brokers=(broker,)))


def unpack(archive: Path, base: Path) -> Path:
    """As the logstash stage installs a release: unpacked into its own folder, reached through a symlink."""
    release = base / f"logstash-{VERSION}"
    release.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "--strip-components=1", "-C", str(release)], check=True)
    (base / "logstash").symlink_to(release)
    return base / "logstash"


def run(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(home / "bin" / "logstash"), *args], capture_output=True, text=True, timeout=60,
                          env={**ENV, **(env or {})})


def config_test(home: Path, settings_dir: Path, conf: Path, tmp_path: Path,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run(home, "--path.settings", str(settings_dir), "--path.config", str(conf),
               "--path.data", str(tmp_path / "scratch-data"), "--config.test_and_exit", env=env)


def write_conf(tmp_path: Path, text: str) -> Path:
    """A conf.d folder holding pipeline.conf, as the pipeline stage lays it out."""
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir(parents=True, exist_ok=True)
    (conf_d / "pipeline.conf").write_text(text)
    return conf_d
