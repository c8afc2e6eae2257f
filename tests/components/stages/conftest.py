import pytest

from components.stages.plan import Facts


@pytest.fixture
def broker():
    return Facts(role="broker", name="kafka-server", arch="x86_64", memory_mib=4096, private_ip="10.0.0.5",
                 brokers=("10.0.0.5",))


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def files(plan) -> dict[str, str]:
    return {f.path: f.content for f in plan.files}
