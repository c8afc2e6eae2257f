"""What a stage produces: files to place on a host, variables for its script, secrets for stdin.

Plans are plain data, so the deployment, the unit tests and the real-broker tests use the very
same rendered bytes.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from components.errors import Secret

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "stages"
SHARED_SCRIPTS = ("apply.sh", "lib.sh")
# Where apply.sh records each stage run's start and end on the host.
STAGE_LOG = "/var/log/kafka-pipeline/stages.log"
# Where ensure_service (lib.sh) keeps what each service was last started with.
SERVICE_RECORDS = "/var/lib/kafka-pipeline/services"
# Downloaded release archives, on disk (some images' /tmp is a small tmpfs).
DOWNLOAD_CACHE = "/var/cache/kafka-pipeline"


@dataclass(frozen=True)
class File:
    path: str
    content: str
    mode: str = "0644"
    owner: str = "root"


@dataclass(frozen=True)
class Facts:
    """What a stage may know beyond settings: this host and its peers."""

    role: str
    # The host's name (hostname, and the prefix of its stage commands).
    name: str = ""
    arch: str = "x86_64"
    memory_mib: int = 4096
    private_ip: str = ""
    # A broker's peers (our brokers' private IPs).
    brokers: tuple[str, ...] = ()
    # A pipeline's queue: the bootstrap servers its clients dial.
    bootstrap: str = ""
    node_id: int = 1
    student: str | None = None
    # kafka.security sasl_ssl: the stack's secret from which every Kafka login's password is derived
    # (stages/logins.password), so broker and clients agree without passing passwords around.
    login_seed: Secret | None = None
    # kafka.security sasl_ssl: the stack's CA certificate (PEM), which brokers and clients trust,
    # and a broker's own PKCS#8 key followed by its certificate.
    kafka_ca: str = ""
    tls_keystore: Secret | None = None


@dataclass(frozen=True)
class Plan:
    stage: str
    files: tuple[File, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, Secret] = field(default_factory=dict)
    # scripts/stages/<name>.sh; the stage's own name when empty (two stages may share a script).
    script_name: str = ""

    def script(self) -> str:
        return (SCRIPTS / f"{self.script_name or self.stage}.sh").read_text()

    def bundle(self) -> dict[str, str]:
        """Every file shipped for this stage, by its name in the stage's folder on the host."""
        files = {name: (SCRIPTS / name).read_text() for name in SHARED_SCRIPTS}
        files["stage.sh"] = self.script()
        env = {"STAGE_NAME": self.stage, "STAGE_LOG": STAGE_LOG, "SERVICE_RECORDS": SERVICE_RECORDS, **self.env}
        files["stage.env"] = "".join(f"{k}={shell_quote(v)}\n" for k, v in sorted(env.items()))
        manifest = []
        for i, f in enumerate(self.files):
            name = f"files/{i:03d}"
            files[name] = f.content
            manifest.append(f"{f.mode} {f.owner} {name} {f.path}\n")
        files["manifest"] = "".join(manifest)
        return files

    def digest(self) -> str:
        """Changes exactly when what this stage applies changes (secret values excluded)."""
        text = json.dumps({"stage": self.stage, "bundle": self.bundle(), "secrets": sorted(self.secrets)},
                          sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def stdin(self) -> str:
        """Secrets as NAME<TAB>base64(value) lines: any byte survives, nothing reaches a command line."""
        return "".join(f"{k}\t{base64.b64encode(v.value.encode()).decode()}\n" for k, v in sorted(self.secrets.items()))


def package_env(settings) -> dict[str, str]:
    """What a stage that installs OS packages needs: the package manager family (lib.sh)."""
    return {"PKG_FAMILY": settings.os.family}


def shell_quote(value: str) -> str:
    return "'" + str(value).replace("'", "'\"'\"'") + "'"


def properties(values: Mapping[str, object]) -> str:
    """A Java .properties file, sorted so renders are deterministic and diffable."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\n", "\\n")
    return "".join(f"{k}={esc(str(v).lower() if isinstance(v, bool) else str(v))}\n" for k, v in sorted(values.items()))


UnitValue = Union[str, tuple[str, ...]]


def systemd_unit(sections: Mapping[str, Mapping[str, UnitValue]]) -> str:
    """A systemd unit from data; sections and keys keep the order given; a tuple repeats its key."""
    def lines(key: str, value: UnitValue) -> str:
        return "".join(f"{key}={v}\n" for v in (value if isinstance(value, tuple) else (value,)))
    return "\n".join(f"[{name}]\n" + "".join(lines(k, v) for k, v in body.items())
                     for name, body in sections.items())


def service(description: str, after: str, user: str, service_keys: Mapping[str, UnitValue]) -> str:
    """A long-running service of ours: its own user, restarted on failure, started at boot."""
    return systemd_unit({
        "Unit": {"Description": description, "Wants": "network-online.target", "After": after},
        "Service": {"User": user, "Group": user, **service_keys, "Restart": "on-failure"},
        "Install": {"WantedBy": "multi-user.target"},
    })
