"""scripts/stages/kafka_client.sh's write_admin_config run for real (chown stood in for): the
administrator's client properties from stdin, root-only, and a refusal when the login is missing."""
from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from components.stages.kafka_client import ADMIN_JAAS_SECRET
from components.stages.plan import SCRIPTS

JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="pw-1";'


def write_admin_config(path: Path, stdin: str) -> subprocess.CompletedProcess:
    script = (f"set -euo pipefail; . {SCRIPTS / 'lib.sh'}; chown() {{ :; }}; . {SCRIPTS / 'kafka_client.sh'}; "
              "write_admin_config")
    env = {"PATH": "/usr/bin:/bin", "ADMIN_CONFIG": str(path), "SASL_MECHANISM": "SCRAM-SHA-512"}
    return subprocess.run(["bash", "-c", script], env=env, input=stdin, capture_output=True, text=True, timeout=30)


def line(name: str, value: str) -> str:
    return f"{name}\t{base64.b64encode(value.encode()).decode()}\n"


def test_the_administrators_properties_are_written_root_only_from_stdin(tmp_path):
    path = tmp_path / "kafka" / "admin.properties"
    done = write_admin_config(path, line("OTHER", "x") + line(ADMIN_JAAS_SECRET, JAAS))
    assert done.returncode == 0, done.stderr
    assert path.read_text() == f"security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config={JAAS}\n"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert "pw-1" not in done.stderr + done.stdout
    # Unchanged on a re-run: nothing to replace.
    again = write_admin_config(path, line(ADMIN_JAAS_SECRET, JAAS))
    assert again.returncode == 0 and "updated" not in again.stderr


def test_without_the_login_on_stdin_it_stops_and_leaves_nothing(tmp_path):
    path = tmp_path / "admin.properties"
    done = write_admin_config(path, line("OTHER", "x"))
    assert done.returncode != 0 and "the administrator's Kafka login did not arrive on stdin" in done.stderr
    assert list(tmp_path.iterdir()) == []
