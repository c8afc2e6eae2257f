"""pipeline.sh's write_secrets, run for real: the secrets arrive on stdin and become the root-only
environment file; a run that did not get them all leaves the running pipeline's file alone."""
from __future__ import annotations

import base64

from tests.scripts.jaas import pipeline_function


def line(name: str, value: str) -> str:
    return f"{name}\t{base64.b64encode(value.encode()).decode()}\n"


def test_the_secrets_become_a_root_only_environment_file(tmp_path):
    path = tmp_path / "secrets.env"
    result = pipeline_function("write_secrets", {"SECRETS_FILE": str(path), "SECRET_COUNT": "2"},
                               line("SINK_PASSWORD", 'p"4\\ss') + line("KAFKA_SASL_JAAS_CONFIG", 'u="a";'))
    assert result.returncode == 0, result.stderr
    assert path.read_text() == 'SINK_PASSWORD="p\\"4\\\\ss"\nKAFKA_SASL_JAAS_CONFIG="u=\\"a\\";"\n'
    assert path.stat().st_mode & 0o777 == 0o600 and "p\"4" not in result.stderr


def test_a_run_without_its_secrets_leaves_the_running_file_alone(tmp_path):
    path, last_good = tmp_path / "secrets.env", tmp_path / "last-good.conf"
    path.write_text('KAFKA_SASL_JAAS_CONFIG="the running login"\n')
    last_good.write_text("input {}\n")
    result = pipeline_function("write_secrets", {"SECRETS_FILE": str(path), "SECRET_COUNT": "1",
                                                 "LAST_GOOD_CONFIG": str(last_good), "PIPELINE_CONFIG": "/p.conf"})
    assert result.returncode != 0 and "expected 1 secret(s) on stdin, got 0" in result.stderr
    assert path.read_text() == 'KAFKA_SASL_JAAS_CONFIG="the running login"\n'
    assert f"install -m 0640 -o root -g logstash {last_good} /p.conf" in result.stderr, "the checked pipeline put back"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last-good.conf", "secrets.env"]
