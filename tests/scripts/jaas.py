"""scripts/stages/pipeline.sh's functions run for real, outside a host: write_jaas for the tests that
need the producer's JAAS file, so the file is the one the stage writes. `chown` and `install` are
stood in for (this machine has no logstash group; the caller gives the file to the group its
harness uses)."""
from __future__ import annotations

import subprocess
from pathlib import Path

from components.logstash.pipelines import JAAS_SECRET
from components.stages.plan import SCRIPTS

# What pipeline.sh requires before its functions may be used.
REQUIRED = ("PIPELINE_CONFIG", "LOGSTASH_HOME", "SECRETS_FILE", "SECRET_COUNT", "SERVICE_INPUTS", "CHECK_JAVA_OPTS",
            "LOGSTASH_SETTINGS", "LAST_GOOD_CONFIG")


def write_jaas(path: Path, wanted: str, line: str | None) -> subprocess.CompletedProcess:
    return pipeline_function("write_jaas", {"KAFKA_JAAS_FILE": str(path), "KAFKA_JAAS_WANTED": wanted,
                                            **({JAAS_SECRET: line} if line is not None else {})})


def pipeline_function(function: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    """One function of pipeline.sh, run for real with lib.sh loaded and `env` set."""
    env = {"PATH": "/usr/bin:/bin", **{name: "x" for name in REQUIRED}, "KAFKA_JAAS_FILE": "x",
           "KAFKA_JAAS_WANTED": "0", **env}
    script = (f"set -euo pipefail; . {SCRIPTS / 'lib.sh'}; chown() {{ echo \"chown $*\" >&2; }}; "
              f"install() {{ echo \"install $*\" >&2; }}; . {SCRIPTS / 'pipeline.sh'}; {function}")
    return subprocess.run(["bash", "-c", script], env=env, input=stdin, capture_output=True, text=True, timeout=30)
