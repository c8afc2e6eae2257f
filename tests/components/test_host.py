"""Stages applied to a host: ordered, secret where it matters, re-run only on change."""
from __future__ import annotations

from pathlib import Path

import pulumi

from tests.program import DEV, is_secret, run



def test_private_key_is_secret_everywhere(dev):
    assert dev.is_secret("sshPrivateKey")
    for command in dev.of_type("command:remote:Command") + dev.of_type("command:remote:CopyToRemote"):
        assert is_secret(command.inputs["connection"]), command.name



STAGE_ORDER = {
    "kafka-server": ["base", "java", "kafka", "topics"],
    "kafka-producer": ["base", "logstash", "source"],
    "kafka-consumer": ["base", "logstash", "sink"],
}


def test_each_stage_command_waits_for_the_stage_before_it_and_its_own_files(dev):
    """The engine runs what does not depend on each other at once: the order holds only if each
    stage's command names the one before it (registration order proves nothing)."""
    for host, stages in STAGE_ORDER.items():
        names = [r.name for r in dev.of_type("command:remote:Command") if r.name.startswith(f"{host}-")
                 and r.name.removeprefix(f"{host}-") in stages]
        assert sorted(names) == sorted(f"{host}-{s}" for s in stages), names
        for before, stage in zip(stages, stages[1:]):
            direct = dev.monitor.dependencies[f"{host}-{stage}"]
            assert f"{host}-{before}" in direct, f"{host}-{stage} does not wait for {host}-{before}: {sorted(direct)}"
        for stage in stages:
            assert f"{host}-{stage}-files" in dev.monitor.dependencies[f"{host}-{stage}"]


def test_stage_commands_wait_for_ssh(dev):
    conn = dev.named("kafka-producer-base").inputs["connection"]["value"]
    assert conn["dialErrorLimit"] >= 30



def test_stdin_of_every_command_is_secret(dev):
    for command in dev.of_type("command:remote:Command"):
        assert is_secret(command.inputs["stdin"]), command.name
        assert "sudo bash /home/admin/kp-" in command.inputs["create"]



def triggers(run) -> dict[str, str]:
    return {r.name: r.inputs["triggers"][0] for r in run.of_type("command:remote:CopyToRemote")}



def test_changing_one_stage_changes_only_that_stages_trigger(monkeypatch):
    before = triggers(run(DEV, monkeypatch=monkeypatch))
    after = triggers(run({**DEV, "kafka": {"heapMb": 1024}}, monkeypatch=monkeypatch))
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == ["kafka-server-kafka-files"]



def test_nothing_per_login_or_per_machine_enters_a_commands_inputs(monkeypatch):
    """With the user's own key, SSH goes through their agent; its socket path changes every login
    and must not re-run every stage."""
    key = {**DEV, "sshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIByourkey user@laptop"}

    def inputs(agent_socket):
        monkeypatch.setenv("SSH_AUTH_SOCK", agent_socket)
        result = run(key, monkeypatch=monkeypatch)
        # An archive compares by identity; its folder (same path, same bytes) is what counts.
        return {r.name: {k: v.path if isinstance(v, pulumi.FileArchive) else v for k, v in r.inputs.items()}
                for r in result.mocks.resources if r.typ.startswith("command:")}

    first, second = inputs("/tmp/ssh-AAAA/agent.1"), inputs("/tmp/ssh-BBBB/agent.2")
    assert first == second
    assert not any("agentSocketPath" in str(i.get("connection")) for i in first.values())



def test_a_stage_re_runs_when_an_earlier_stage_on_its_host_changes(monkeypatch):
    """A bigger Logstash heap is placed by the logstash stage and acted on by the pipeline stage
    (which restarts the service): both re-run, on the Logstash hosts only."""
    def command_triggers(config):
        result = run(config, monkeypatch=monkeypatch)
        return {r.name: r.inputs["triggers"] for r in result.of_type("command:remote:Command")}
    before, after = command_triggers(DEV), command_triggers({**DEV, "logstash": {"heapMb": 1024}})
    assert sorted(n for n in before if before[n] != after[n]) == [
        "kafka-consumer-logstash", "kafka-consumer-sink", "kafka-producer-logstash", "kafka-producer-source"]


def test_a_renamed_stage_keeps_its_resources_under_an_alias(dev):
    """The producer's and consumer's pipelines were one stage named "pipeline"; their commands keep
    their identity in existing stacks instead of being replaced."""
    assert dev.monitor.aliases["kafka-producer-source"] == ["kafka-producer-pipeline"]
    assert dev.monitor.aliases["kafka-consumer-sink-files"] == ["kafka-consumer-pipeline-files"]
    assert "kafka-producer-base" not in dev.monitor.aliases


def test_stage_commands_log_only_stderr_and_ask_sshd_for_no_environment(dev):
    # Stages print their progress on stderr, which the engine shows; sshd refuses the previous
    # output as environment, so asking for it only earns a warning on every update.
    for command in dev.of_type("command:remote:Command"):
        assert command.inputs["logging"] == "stderr", command.name
        assert command.inputs["addPreviousOutputInEnv"] is False, command.name


def test_each_stages_files_and_command_belong_to_its_host_component(dev):
    # Children of the component, so their names and URNs stay the component's (and `destroy` of a
    # renamed host removes them with it).
    for host, stages in STAGE_ORDER.items():
        for stage in stages:
            for name in (f"{host}-{stage}", f"{host}-{stage}-files"):
                assert dev.monitor.parents[name] == host, (name, dev.monitor.parents[name])


def test_every_commands_stdin_stays_secret_in_its_outputs_too(dev):
    for command in dev.of_type("command:remote:Command"):
        assert "stdin" in dev.monitor.secret_outputs[command.name], command.name


def test_the_folder_copied_is_the_one_the_command_runs_and_it_is_built_where_configured(dev, tmp_path):
    for copy in dev.of_type("command:remote:CopyToRemote"):
        stage = copy.name.removesuffix("-files")
        folder = Path(copy.inputs["source"].path)
        assert folder.is_relative_to(tmp_path / "build"), folder   # KAFKA_PIPELINE_BUILD_DIR, set by conftest
        assert f"/home/admin/{folder.name}/apply.sh" in dev.named(stage).inputs["create"], (folder, stage)
        assert (folder / "apply.sh").is_file()
    assert len({Path(c.inputs["source"].path) for c in dev.of_type("command:remote:CopyToRemote")}) == \
        len(dev.of_type("command:remote:CopyToRemote"))
