import pytest

from components.settings import parse
from components.stages.plan import Facts


@pytest.fixture
def make_settings():
    def make(raw=None, stack="dev"):
        return parse({"sshCidrs": ["198.51.100.7/32"], **(raw or {})}, stack=stack, region="ap-northeast-2")
    return make


@pytest.fixture
def broker():
    return Facts(role="broker", arch="x86_64", memory_mib=4096, private_ip="10.0.0.5", brokers=("10.0.0.5",))


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
