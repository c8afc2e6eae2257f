"""The logstash stage: the release for the host's architecture, verified, under systemd."""
import pytest
import yaml

from components.stages import logstash
from components.stages.plan import Facts
from tests.components.stages.conftest import files


@pytest.mark.parametrize("arch, expected", [("arm64", "aarch64"), ("x86_64", "x86_64")])
def test_logstash_tarball_matches_the_architecture(make_settings, arch, expected):
    plan = logstash.plan(make_settings(), Facts(role="producer", arch=arch, memory_mib=2048))
    assert plan.env["LOGSTASH_URL"].endswith(f"-linux-{expected}.tar.gz")
    assert plan.env["ELASTIC_KEY_FINGERPRINT"] == "46095ACC8548582C1A2699A9D27D666CD88E42B4"
    assert files(plan)["/etc/logstash/logstash.env"] == 'LS_JAVA_OPTS="-Xms819m -Xmx819m"\n'
    yml = files(plan)["/etc/logstash/logstash.yml"]
    assert "config.support_escapes: true" in yml and 'path.data: "/var/lib/logstash"' in yml


def test_the_consumer_keeps_its_events_on_disk_and_a_stop_does_not_drain_them(make_settings):
    yml = yaml.safe_load(files(logstash.plan(make_settings(), Facts(role="consumer")))["/etc/logstash/logstash.yml"])
    assert yml["queue.type"] == "persisted" and yml["queue.drain"] is False
    assert yml["queue.max_bytes"] == "1024mb" and "path.queue" not in yml  # under path.data, off /tmp


def test_the_producer_keeps_a_memory_queue_whose_backpressure_holds_its_source_to_its_rate(make_settings):
    yml = yaml.safe_load(files(logstash.plan(make_settings(), Facts(role="producer")))["/etc/logstash/logstash.yml"])
    assert yml["queue.type"] == "memory" and not any(k.startswith("queue.") and k != "queue.type" for k in yml)


def test_heap_follows_the_setting_and_leaves_room_for_the_check(make_settings):
    assert logstash.heap_mb(make_settings({"logstash": {"heapMb": 600}}), Facts(role="producer")) == 600
    # 2 GiB: the service's heap, the config check's 384 MiB and the OS's 512 MiB fit.
    assert logstash.max_heap_mb(2048) == 2048 - 512 - logstash.CHECK_HEAP_MB
    assert logstash.heap_mb(make_settings(), Facts(role="producer", memory_mib=2048)) <= logstash.max_heap_mb(2048)


def test_logstash_service_reads_secrets_from_an_optional_root_only_file(make_settings):
    unit = files(logstash.plan(make_settings(), Facts(role="consumer")))["/etc/systemd/system/logstash.service"]
    assert "EnvironmentFile=/etc/logstash/logstash.env\nEnvironmentFile=-/etc/logstash/secrets.env\n" in unit
    assert "User=logstash" in unit and "Restart=on-failure" in unit
    assert "--path.settings /etc/logstash --path.config /etc/logstash/conf.d" in unit


def test_a_mirrors_checksum_replaces_the_signature_check(make_settings):
    digest = "ab" * 64
    assert logstash.plan(make_settings({"logstash": {"sha512": digest}}), Facts(role="producer")).env[
        "LOGSTASH_SHA512"] == digest
    assert logstash.plan(make_settings(), Facts(role="producer")).env["LOGSTASH_SHA512"] == ""


def test_journald_never_drops_what_the_stdout_sink_prints():
    # 0 would be no limit to journald, but systemd never hands it a 0: it applies its default instead.
    assert "LogRateLimitIntervalSec=1s\nLogRateLimitBurst=1000000\n" in logstash.UNIT


@pytest.mark.parametrize("config, base", [
    ({}, "https://artifacts.elastic.co/downloads/logstash"),
    ({"logstash": {"downloadUrl": "http://mirror.lab.internal/logstash"}}, "http://mirror.lab.internal/logstash"),
])
def test_the_archive_url_is_the_release_for_this_architecture_at_the_configured_base(make_settings, config, base):
    settings = make_settings(config)
    plan = logstash.plan(settings, Facts(role="producer", arch="arm64"))
    assert plan.env["LOGSTASH_URL"] == f"{base}/logstash-{settings.logstash.version}-linux-aarch64.tar.gz"


def test_a_pinned_checksum_is_the_one_for_the_hosts_architecture(make_settings, monkeypatch):
    # No release ships one today (each verifies Elastic's signature), but a pinned one must match the arch.
    from components import releases
    settings = make_settings()
    monkeypatch.setitem(releases.LOGSTASH, settings.logstash.version,
                        releases.LogstashRelease({"x86_64": "1" * 128, "aarch64": "2" * 128}))
    assert logstash.plan(settings, Facts(role="producer", arch="arm64")).env["LOGSTASH_SHA512"] == "2" * 128
    assert logstash.plan(settings, Facts(role="producer", arch="x86_64")).env["LOGSTASH_SHA512"] == "1" * 128


def test_logstash_yml_in_full(make_settings):
    # No automatic reload (the stage checks a pipeline before it restarts Logstash), no ECS field
    # renaming (events keep the fields the tutorial shows), logs and data off /tmp, the monitoring API
    # on loopback at one known port (make status reads it through SSH).
    common = ('api.http.host: "127.0.0.1"\napi.http.port: 9600\nconfig.reload.automatic: false\nconfig.support_escapes: true\npath.data: "/var/lib/logstash"\n'
              'path.logs: "/var/log/logstash"\npipeline.ecs_compatibility: "disabled"\n')
    yml = {role: files(logstash.plan(make_settings(), Facts(role=role)))["/etc/logstash/logstash.yml"]
           for role in ("producer", "consumer")}
    assert yml["producer"] == common + 'queue.type: "memory"\n'
    assert yml["consumer"] == common + 'queue.drain: false\nqueue.max_bytes: "1024mb"\nqueue.type: "persisted"\n'


@pytest.mark.parametrize("memory_mib, heap", [(512, 256), (2048, 819), (16384, 4096)])
def test_the_default_heap_is_two_fifths_of_memory_within_256_mib_and_4_gib(make_settings, memory_mib, heap):
    assert logstash.heap_mb(make_settings(), Facts(role="producer", memory_mib=memory_mib)) == heap
