"""What the producer's and the consumer's pipeline stages share: the pipeline file, checked by
Logstash itself before the service (re)starts, the plugins it needs and its secrets, which reach
it as environment, never as config text. Both run scripts/stages/pipeline.sh."""
from __future__ import annotations

from components.logstash.pipelines import Built
from components.settings import Settings
from components.stages import logstash
from components.stages.plan import File, Plan

CONFIG = f"{logstash.CONFIG_DIR}/pipeline.conf"
SECRETS_FILE = f"{logstash.SETTINGS_DIR}/secrets.env"
# The pipeline that last passed Logstash's check; outside conf.d, where Logstash reads every file.
LAST_GOOD_CONFIG = f"{logstash.SETTINGS_DIR}/pipeline.conf.last-good"
# The Logstash plugins this pipeline needs, one a line: a changed list restarts the service.
PLUGINS_FILE = f"{logstash.SETTINGS_DIR}/plugins.list"
SCRIPT = "pipeline"


def plan(stage: str, settings: Settings, built: Built) -> Plan:
    return Plan(stage=stage, script_name=SCRIPT, files=(
        File(CONFIG, built.text(), "0640", "root:logstash"),
        File(PLUGINS_FILE, "".join(f"{name}\n" for name in built.install)),
    ), env={
        "PIPELINE_CONFIG": CONFIG,
        "LOGSTASH_HOME": logstash.HOME,
        "LOGSTASH_SETTINGS": logstash.SETTINGS_DIR,
        "CHECK_JAVA_OPTS": logstash.CHECK_JAVA_OPTS,
        # What Logstash runs from, whichever stage placed it: a change to any restarts it.
        "SERVICE_INPUTS": " ".join((logstash.SETTINGS_FILE, logstash.ENV_FILE, logstash.JVM_OPTIONS, logstash.UNIT_FILE,
                                    CONFIG, SECRETS_FILE, PLUGINS_FILE, logstash.HOME)),
        # Plugins live inside the release's folder: a new Logstash release needs them installed again.
        "LOGSTASH_VERSION": settings.logstash.version,
        "PIPELINE_PLUGINS": " ".join(built.install),
        "SECRETS_FILE": SECRETS_FILE,
        "LAST_GOOD_CONFIG": LAST_GOOD_CONFIG,
        "SECRET_COUNT": str(len(built.secrets)),
    }, secrets=built.secrets)
