import io

import pytest

from components import operator


def test_commands_are_ready_to_paste():
    access = operator.Access("dev", "admin")
    assert access.save_key_command() == (
        "(umask 077 && STACK=dev scripts/pulumi.sh stack output --show-secrets sshPrivateKey "
        "> ~/.ssh/kafka-pipeline-dev.pem)")
    assert access.ssh("203.0.113.5") == "ssh -i ~/.ssh/kafka-pipeline-dev.pem admin@203.0.113.5"
    assert operator.Access("dev", "ec2-user", byo_key=True).ssh("203.0.113.5") == "ssh ec2-user@203.0.113.5"
    assert operator.Access("class", "admin").tunnel("203.0.113.5").endswith("-N -L 9094:localhost:9094")


def test_detected_ip_must_be_an_ipv4_address(monkeypatch):
    monkeypatch.setattr(operator.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b"198.51.100.23\n"))
    assert operator.detect_public_ip() == "198.51.100.23"
    monkeypatch.setattr(operator.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b"<html>captive</html>"))
    with pytest.raises(OSError, match="sshCidrs"):
        operator.detect_public_ip()


def test_an_unreachable_checker_says_how_to_set_ssh_cidrs(monkeypatch):
    def offline(url, timeout):
        raise OSError("network is unreachable")
    monkeypatch.setattr(operator.urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match=r"pulumi config set --path 'sshCidrs\[0\]'"):
        operator.detect_public_ip()
