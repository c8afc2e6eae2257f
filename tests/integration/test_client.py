"""The stand-in clients run as the rendered pipelines set Logstash's kafka plugins: every rendered
option is mapped or the test fails, and where the pipeline sets nothing they do what Logstash's
plugin does, as the plugin inside the Logstash release we serve declares it."""
from __future__ import annotations

import re

import pytest

from components.logstash.lscl import Plugin
from components.logstash.parse import parse
from components.logstash.pipelines import JAAS_SECRET
from components.stages import logins, pipeline_files, sink, source
from components.stages.plan import Facts
from components.stages.kafka import bootstrap_servers
from tests.components.stages.conftest import LOGIN
from tests.integration import client
from tests.integration.logstash import install
from tests.scripts.jaas import write_jaas
from tests.settings import make

BROKERS = ("10.213.0.2", "10.213.0.3")


def rendered(role: str, raw: dict | None = None) -> dict:
    """The kafka plugin's options in the pipeline the stage renders for `role`."""
    settings = make(raw or {})
    stage = source if role == "producer" else sink
    facts = Facts(role=role, bootstrap=bootstrap_servers(BROKERS), **LOGIN)
    pipeline = parse(stage.plan(settings, facts).files[0].content)
    plugin = pipeline.outputs[0] if role == "producer" else pipeline.inputs[0]
    assert plugin.name == "kafka"
    return dict(plugin.options)


def host(tmp_path, role: str, raw: dict | None = None) -> client.Host:
    """The host the rendered pipeline runs on, as its stages leave it: the CA it trusts, the
    producer's JAAS file, the secrets' environment."""
    settings = make(raw or {})
    stage = source if role == "producer" else sink
    plan = stage.plan(settings, Facts(role=role, bootstrap=bootstrap_servers(BROKERS), **LOGIN))
    for f in plan.files:
        (tmp_path / f.path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f.path.lstrip("/")).write_text(f.content)
    env = {name: secret.value for name, secret in plan.secrets.items()}
    jaas = tmp_path / pipeline_files.KAFKA_JAAS.lstrip("/")
    assert write_jaas(jaas, "1", env[JAAS_SECRET]).returncode == 0  # scripts/stages/pipeline.sh's own
    return client.Host(tmp_path, env)


def test_every_option_the_producer_pipeline_renders_reaches_the_client(tmp_path):
    raw = {"producer": {"acks": "all", "compression": "lz4"}}
    options = rendered("producer", raw)
    config = client.producer_config(options, host=host(tmp_path, "producer", raw))
    assert config["bootstrap_servers"] == [f"{b}:9092" for b in BROKERS]
    assert (config["acks"], config["enable_idempotence"], config["compression_type"]) == ("all", True, "lz4")
    assert (config["linger_ms"], config["batch_size"]) == (int(options["linger_ms"]), int(options["batch_size"]))
    assert config["client_id"] == options["client_id"]
    # kafka.security sasl_ssl (the default): the producer's own login, from the JAAS file on its host.
    assert (config["security_protocol"], config["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    assert config["sasl_plain_username"] == "producer"
    assert config["sasl_plain_password"] == logins.password(LOGIN["login_seed"], "producer").value
    assert open(config["ssl_cafile"]).read() == LOGIN["kafka_ca"]


def test_every_option_the_consumer_pipeline_renders_reaches_the_client(tmp_path):
    options = rendered("consumer")
    config = client.consumer_config(options, host(tmp_path, "consumer"))
    assert config["group_id"] == options["group_id"] and config["client_id"] == options["client_id"]
    assert config["auto_offset_reset"] == options["auto_offset_reset"]
    # Logstash auto-commits unless the pipeline says otherwise; ours does not.
    assert "enable_auto_commit" not in options and config["enable_auto_commit"] is True
    # ...its own login, from the secrets' environment the pipeline refers to.
    assert config["sasl_plain_username"] == "consumer"
    assert config["sasl_plain_password"] == logins.password(LOGIN["login_seed"], "consumer").value


@pytest.mark.parametrize("role, build", [("producer", client.producer_config), ("consumer", client.consumer_config)])
def test_a_rendered_option_the_client_cannot_reproduce_fails_the_test(role, build):
    options = {**rendered(role), "session_timeout_ms": 10000}
    with pytest.raises(client.UnmappedOption, match="session_timeout_ms"):
        build(options)


def test_a_codec_other_than_json_is_refused():
    options = {**rendered("consumer"), "codec": Plugin("plain")}
    with pytest.raises(client.UnmappedOption, match="codec"):
        client.consumer_config(options)


def test_acks_below_all_turn_idempotence_off_as_the_java_client_does(tmp_path):
    raw = {"producer": {"acks": "1"}}
    config = client.producer_config(rendered("producer", raw), host=host(tmp_path, "producer", raw))
    assert (config["acks"], config["enable_idempotence"]) == (1, False)


def declared(home, kind: str) -> dict[str, str | None]:
    """option -> its declared default (None: no default), from the kafka plugin's own `config` lines."""
    found = list(home.glob(f"vendor/bundle/jruby/*/gems/logstash-integration-kafka-*/lib/logstash/{kind}/kafka.rb"))
    assert len(found) == 1, f"the kafka {kind} plugin in {home}: {found}"
    options = {}
    for match in re.finditer(r"^\s*config :(\w+),(.*)$", found[0].read_text(), re.M):
        default = re.search(r":default\s*=>\s*([^ ,#]+)", match.group(2))
        options[match.group(1)] = default.group(1).strip("'\"") if default else None
    return options


@pytest.mark.integration
def test_the_clients_defaults_are_the_logstash_kafka_plugins_and_every_rendered_option_is_declared():
    home = install()
    inputs, outputs = declared(home, "inputs"), declared(home, "outputs")
    for option, value in client.LOGSTASH_CONSUMER_DEFAULTS.items():
        assert str(value).lower() == str(inputs[option]).replace("_", "").lower(), (option, inputs[option])
    # `retries` unset: Logstash retries for ever, which the client's largest retry count stands for.
    assert "retries" in outputs and outputs["retries"] is None
    # `codec` is every input's and output's, declared by Logstash's plugin base, not the plugin.
    assert set(rendered("producer")) - {"codec"} <= set(outputs), set(rendered("producer")) - set(outputs)
    assert set(rendered("consumer")) - {"codec"} <= set(inputs), set(rendered("consumer")) - set(inputs)
