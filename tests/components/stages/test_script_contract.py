"""Every stage's plan and its shell script agree on the variables between them: each one the script
requires (`: "${NAME:?}"`) or reads with a default (`"${NAME=}"`) comes from the plan, and each one
the plan sets is read by the scripts the bundle ships. A renamed key fails here, not on a host."""
from __future__ import annotations

import dataclasses
import re

import pytest

from components.stages import STAGES
from components.errors import Secret
from components.stages.plan import SCRIPTS, SHARED_SCRIPTS, Facts
from components.stages.kafka import bootstrap_servers
from tests.settings import make

DECLARED = re.compile(r'"\$\{([A-Z][A-Z0-9_]*)(:\?|=)\}"')
# What apply.sh itself sets for the stage script, besides stage.env.
SET_BY_APPLY = {"CHANGED_LIST"}
# Set only so that the stage's digest changes with it and the engine runs the stage again: a new
# Logstash release needs the pipeline's plugins installed into its folder anew.
SET_FOR_THE_DIGEST = {"LOGSTASH_VERSION"}

SETTINGS = {
    "kraft": make({}),
    "zookeeper": make({"kafka": {"mode": "zookeeper", "version": "3.9.1"}}),
    "secret source": make({"producer": {"source": {"type": "http_poller", "user": "u", "password": "p"}}}),
    "sasl_ssl class": (lambda s: dataclasses.replace(s, kafka=dataclasses.replace(s.kafka, security="sasl_ssl")))(
        make({"students": ["alice", "bob"]})),
    "msk": make({"kafka": {"provider": "msk"}}),
}
FACTS = {
    "broker": Facts(role="broker", name="kafka-server", arch="x86_64", memory_mib=4096, private_ip="10.0.0.5",
                    brokers=("10.0.0.5",), tls_keystore=Secret("KEY+CERT"), kafka_ca="CA"),
    # With what a sasl_ssl stack adds (plaintext stacks ignore it).
    "producer": Facts(role="producer", name="kafka-producer", arch="x86_64", memory_mib=2048, bootstrap=bootstrap_servers(("10.0.0.5",)),
                      student="alice", login_seed=Secret("seed"), kafka_ca="-----BEGIN CERTIFICATE-----"),
    "consumer": Facts(role="consumer", name="kafka-consumer", arch="x86_64", memory_mib=2048, bootstrap=bootstrap_servers(("10.0.0.5",)),
                      student="alice", login_seed=Secret("seed"), kafka_ca="-----BEGIN CERTIFICATE-----"),
    "broker with logins": Facts(role="broker", name="kafka-server", private_ip="10.0.0.5", brokers=("10.0.0.5",),
                                login_seed=Secret("seed")),
    # The pipeline host that administers a queue we do not run (MSK).
    "admin host": Facts(role="producer", name="kafka-producer", bootstrap="b-1.msk:9096,b-2.msk:9096",
                        login_seed=Secret("seed")),
}
CASES = [(stage, settings, role) for stage in STAGES for settings in SETTINGS for role in FACTS
         if (stage, role) in {("base", "broker"), ("java", "broker"), ("kafka", "broker"), ("topics", "broker"),
                              ("logstash", "producer"), ("source", "producer"), ("sink", "consumer")}
         or (stage, role, settings) in {("zookeeper", "broker", "zookeeper"),
                                        ("logins", "broker with logins", "sasl_ssl class"),
                                        *((s, "admin host", "msk") for s in ("kafka_client", "topics", "grants"))}]


def declared(script: str) -> set[str]:
    return {name for name, _ in DECLARED.findall(script)}


def read(name: str, text: str) -> bool:
    return bool(re.search(rf"\$\{{?{name}\b", text))


@pytest.mark.parametrize("stage, settings, role", CASES, ids=[f"{s}-{c}-{r}" for s, c, r in CASES])
def test_the_plan_sets_what_its_script_declares_and_nothing_the_scripts_do_not_read(stage, settings, role):
    plan = STAGES[stage](SETTINGS[settings], FACTS[role])
    env = {line.split("=", 1)[0] for line in plan.bundle()["stage.env"].splitlines()}
    script = plan.script()
    assert declared(script), f"{stage}: its script declares no variable"
    assert declared(script) - env - SET_BY_APPLY == set()
    shipped = script + "".join((SCRIPTS / name).read_text() for name in SHARED_SCRIPTS)
    assert {name for name in env if not read(name, shipped)} - SET_FOR_THE_DIGEST == set()


def test_every_stage_is_checked():
    assert {stage for stage, _, _ in CASES} == set(STAGES)
