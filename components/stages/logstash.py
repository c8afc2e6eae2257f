"""Logstash itself: the pinned tarball (it bundles its JDK), verified, under systemd.
The pipeline it runs is the source and sink stages' business."""
from __future__ import annotations

from components import releases
from components.settings import Settings
from components.stages.plan import DOWNLOAD_CACHE, Facts, File, Plan, package_env, service

NAME = "logstash"

HOME = "/opt/logstash"
DATA_DIR = "/var/lib/logstash"
LOG_DIR = "/var/log/logstash"
SETTINGS_DIR = "/etc/logstash"
CONFIG_DIR = "/etc/logstash/conf.d"
SETTINGS_FILE = f"{SETTINGS_DIR}/logstash.yml"
ENV_FILE = f"{SETTINGS_DIR}/logstash.env"
# Copied from the release once (logstash.sh): Logstash reads it from --path.settings.
JVM_OPTIONS = f"{SETTINGS_DIR}/jvm.options"
UNIT_FILE = "/etc/systemd/system/logstash.service"
# The config check beside a running service: a small JVM, never a second full-size one. It lives
# for seconds, so it skips the optimising JIT and JRuby's compiler: measured on real Logstash 9.2.8
# here, the check of our consumer pipeline took 5.3 s instead of 10.5 s.
CHECK_HEAP_MB = 384
CHECK_JAVA_OPTS = f"-Xms128m -Xmx{CHECK_HEAP_MB}m -XX:TieredStopAtLevel=1 -Djruby.compile.mode=OFF"
# Logstash's monitoring API, on the host's loopback only: make status reads it through the operator's
# SSH. One port, not Logstash's default range (9600-9700), so the operator's tools know where it is.
API_HOST = "127.0.0.1"
API_PORT = 9600
# Logstash's own default, written out: the most disk the consumer's backlog may take (16 GiB volumes).
QUEUE_MAX_BYTES = "1024mb"
# Elastic's signing key (https://artifacts.elastic.co/GPG-KEY-elasticsearch).
ELASTIC_KEY_FINGERPRINT = "46095ACC8548582C1A2699A9D27D666CD88E42B4"
ELASTIC_KEY_URL = "https://artifacts.elastic.co/GPG-KEY-elasticsearch"


def plan(settings: Settings, facts: Facts) -> Plan:
    version = settings.logstash.version
    arch = releases.logstash_arch(facts.arch)
    heap = heap_mb(settings, facts)
    return Plan(stage=NAME, files=(
        File(SETTINGS_FILE, yaml_lines(logstash_yml(facts.role))),
        File(ENV_FILE, f'LS_JAVA_OPTS="-Xms{heap}m -Xmx{heap}m"\n'),
        File(UNIT_FILE, UNIT),
    ), env={
        **package_env(settings),
        "GNUPG_PACKAGE": settings.os.gnupg_package,
        "LOGSTASH_VERSION": version,
        "LOGSTASH_URL": releases.logstash_archive(version, facts.arch, settings.logstash.download_url),
        "LOGSTASH_SHA512": settings.logstash.sha512 or releases.LOGSTASH[version].sha512.get(arch, ""),
        "LOGSTASH_HOME": HOME,
        "LOGSTASH_RELEASE_DIR": f"{HOME}-{version}",
        "LOGSTASH_DATA": DATA_DIR,
        "LOGSTASH_LOGS": LOG_DIR,
        "LOGSTASH_SETTINGS": SETTINGS_DIR,
        "DOWNLOAD_CACHE": DOWNLOAD_CACHE,
        "ELASTIC_KEY_FINGERPRINT": ELASTIC_KEY_FINGERPRINT,
        "ELASTIC_KEY_URL": ELASTIC_KEY_URL,
    })


def max_heap_mb(memory_mib: int) -> int:
    """The most heap Logstash may have: its config check's JVM and the OS need the rest."""
    return memory_mib - 512 - CHECK_HEAP_MB


def heap_mb(settings: Settings, facts: Facts) -> int:
    """`logstash.heapMb`, else two fifths of the host's memory within 256 MiB..4 GiB; the rest is
    JVM overhead, the config check's small JVM and the OS."""
    if settings.logstash.heap_mb:
        return settings.logstash.heap_mb
    return max(256, min(4096, facts.memory_mib * 2 // 5))


def logstash_yml(role: str) -> dict[str, object]:
    return {
        "api.http.host": API_HOST,
        "api.http.port": API_PORT,
        "path.data": DATA_DIR,
        "path.logs": LOG_DIR,
        # Our serializer escapes quotes and backslashes; Logstash reads them back only with this on.
        "config.support_escapes": True,
        "config.reload.automatic": False,
        "pipeline.ecs_compatibility": "disabled",
        **QUEUES[role],
    }


# Where each role's events wait between its input and its output.
QUEUES: dict[str, dict[str, object]] = {
    # The kafka input commits what it has polled, so an event in a memory queue when Logstash stops is
    # never read again. Seen in the rehearsal: a rebooting consumer outlasted TimeoutStopSec draining
    # its memory queue, was killed, and 263 committed events were never printed. On disk they survive
    # a stop, a kill -9 and a reboot, and a stop need not drain (queue.drain stays false).
    "consumer": {"queue.type": "persisted", "queue.drain": False, "queue.max_bytes": QUEUE_MAX_BYTES},
    # The producer's sources are held to their rate by a full queue (the generator's sleep filter
    # throttles the workers, and the input waits for room): a disk queue would take up to 1 GiB of
    # events ahead of that rate. Measured in the rehearsal, it filled the 2 GiB host's page cache.
    "producer": {"queue.type": "memory"},
}


def yaml_lines(values: dict[str, object]) -> str:
    def scalar(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, int) else f'"{value}"'
    return "".join(f"{k}: {scalar(v)}\n" for k, v in sorted(values.items()))


UNIT = service(
    "Logstash (kafka-pipeline)",
    after="network-online.target",
    user="logstash",
    service_keys={
        # "-": optional; secrets.env exists only when the pipeline has secrets.
        "EnvironmentFile": (ENV_FILE, f"-{SETTINGS_DIR}/secrets.env"),
        "ExecStart": f"{HOME}/bin/logstash --path.settings {SETTINGS_DIR} --path.config {CONFIG_DIR}",
        "RestartSec": "10",
        "LimitNOFILE": "16384",
        "TimeoutStopSec": "120",
        # The stdout sink prints each event into this unit's journal: journald's per-service rate
        # limit would drop events. Seen in the rehearsal: a consumer catching up after a reboot
        # printed a backlog, and journald suppressed 37,631 lines (2,321 events) of it. A unit cannot
        # say "no limit": systemd does not pass a 0 on to journald, which then applies its default
        # (10,000 lines per 30 s). A burst no Logstash can print in a second is the nearest thing.
        "LogRateLimitIntervalSec": "1s",
        "LogRateLimitBurst": "1000000",
    })
