import io

import pytest

from components import operator


def test_commands_are_ready_to_paste():
    assert operator.save_key_command("dev") == (
        "pulumi stack output --show-secrets sshPrivateKey > ~/.ssh/kafka-pipeline-dev.pem && "
        "chmod 600 ~/.ssh/kafka-pipeline-dev.pem")
    assert operator.ssh_command("dev", "203.0.113.5") == "ssh -i ~/.ssh/kafka-pipeline-dev.pem ec2-user@203.0.113.5"
    assert operator.ssh_command("dev", "203.0.113.5", byo_key=True) == "ssh ec2-user@203.0.113.5"
    assert operator.tunnel_command("class", "203.0.113.5").endswith("-N -L 9094:localhost:9094")


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
