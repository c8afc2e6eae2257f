import pytest

from components.errors import Secret
from components.stages.plan import Facts

# What Pulumi hands the stages of a kafka.security sasl_ssl stack (the default): the stack's CA,
# each client's login seed, each broker's key store. Plaintext stacks ignore them.
CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
LOGIN = {"login_seed": Secret("seed"), "kafka_ca": CA}
TLS = {"tls_keystore": Secret("-----BEGIN PRIVATE KEY-----"), "kafka_ca": CA}
PLAINTEXT = {"kafka": {"security": "plaintext"}}


@pytest.fixture
def broker():
    return Facts(role="broker", name="kafka-server", arch="x86_64", memory_mib=4096, private_ip="10.0.0.5",
                 brokers=("10.0.0.5",), **TLS)


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def files(plan) -> dict[str, str]:
    return {f.path: f.content for f in plan.files}
