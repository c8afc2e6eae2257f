"""The stand-in clients run as the rendered pipelines set Logstash's kafka plugins: every rendered
option is mapped or the test fails, and where the pipeline sets nothing they do what Logstash's
plugin does, as the plugin inside the Logstash release we serve declares it."""
from __future__ import annotations

import re

import pytest

from components.logstash.lscl import Plugin
from components.logstash.parse import parse
from components.stages import sink, source
from components.stages.plan import Facts
from components.stages.kafka import bootstrap_servers
from tests.integration import client
from tests.integration.logstash import install
from tests.settings import make

BROKERS = ("10.213.0.2", "10.213.0.3")


def rendered(role: str, raw: dict | None = None) -> dict:
    """The kafka plugin's options in the pipeline the stage renders for `role`."""
    settings = make(raw or {})
    stage = source if role == "producer" else sink
    pipeline = parse(stage.plan(settings, Facts(role=role, bootstrap=bootstrap_servers(BROKERS))).files[0].content)
    plugin = pipeline.outputs[0] if role == "producer" else pipeline.inputs[0]
    assert plugin.name == "kafka"
    return dict(plugin.options)


def test_every_option_the_producer_pipeline_renders_reaches_the_client():
    options = rendered("producer", {"producer": {"acks": "all", "compression": "lz4"}})
    config = client.producer_config(options)
    assert config["bootstrap_servers"] == [f"{b}:9092" for b in BROKERS]
    assert (config["acks"], config["enable_idempotence"], config["compression_type"]) == ("all", True, "lz4")
    assert (config["linger_ms"], config["batch_size"]) == (int(options["linger_ms"]), int(options["batch_size"]))
    assert config["client_id"] == options["client_id"]


def test_every_option_the_consumer_pipeline_renders_reaches_the_client():
    options = rendered("consumer")
    config = client.consumer_config(options)
    assert config["group_id"] == options["group_id"] and config["client_id"] == options["client_id"]
    assert config["auto_offset_reset"] == options["auto_offset_reset"]
    # Logstash auto-commits unless the pipeline says otherwise; ours does not.
    assert "enable_auto_commit" not in options and config["enable_auto_commit"] is True


@pytest.mark.parametrize("role, build", [("producer", client.producer_config), ("consumer", client.consumer_config)])
def test_a_rendered_option_the_client_cannot_reproduce_fails_the_test(role, build):
    options = {**rendered(role), "session_timeout_ms": 10000}
    with pytest.raises(client.UnmappedOption, match="session_timeout_ms"):
        build(options)


def test_a_codec_other_than_json_is_refused():
    options = {**rendered("consumer"), "codec": Plugin("plain")}
    with pytest.raises(client.UnmappedOption, match="codec"):
        client.consumer_config(options)


def test_acks_below_all_turn_idempotence_off_as_the_java_client_does():
    config = client.producer_config(rendered("producer", {"producer": {"acks": "1"}}))
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
