"""What the producer's and the consumer's pipeline stages share: the pipeline file, checked by
Logstash itself before the service (re)starts, the plugins it needs and its secrets, which reach
it as environment, never as config text. Both run scripts/stages/pipeline.sh."""
from __future__ import annotations

from components.logstash.pipelines import Built, KafkaLogin
from components.settings import Settings, login_name
from components.stages import logins, logstash
from components.stages.plan import Facts, File, Plan

CONFIG = f"{logstash.CONFIG_DIR}/pipeline.conf"
SECRETS_FILE = f"{logstash.SETTINGS_DIR}/secrets.env"
# The pipeline that last passed Logstash's check; outside conf.d, where Logstash reads every file.
LAST_GOOD_CONFIG = f"{logstash.SETTINGS_DIR}/pipeline.conf.last-good"
# The Logstash plugins this pipeline needs, one a line: a changed list restarts the service.
PLUGINS_FILE = f"{logstash.SETTINGS_DIR}/plugins.list"
# kafka.security sasl_ssl: the queue's CA certificate, and the producer's JAAS file (written by the
# script from the login's secret, root:logstash 0640).
KAFKA_CA = f"{logstash.SETTINGS_DIR}/kafka-ca.pem"
KAFKA_JAAS = f"{logstash.SETTINGS_DIR}/kafka-client.jaas"
SCRIPT = "pipeline"


def kafka_login(settings: Settings, facts: Facts, role: str) -> KafkaLogin | None:
    """The pipeline's own Kafka login with sasl_ssl, None with plaintext: the one given in config
    for a Kafka the user runs, else the one our brokers derive from the stack's seed. Its CA file
    only when the queue names a CA; without one the JVM's own CAs are trusted."""
    if settings.kafka.security != "sasl_ssl":
        return None
    name = login_name(role, facts.student)
    given = settings.kafka.given_login(name)
    if given is None and facts.login_seed is None:
        raise ValueError(f"a {role} pipeline with kafka.security sasl_ssl needs a login: kafka.logins.{name} "
                         "or Facts.login_seed")
    user, password = (given.username, given.password) if given else (name, logins.password(facts.login_seed, name))
    return KafkaLogin(user, password, settings.kafka.sasl_mechanism, KAFKA_CA if facts.kafka_ca else "", KAFKA_JAAS)


def plan(stage: str, settings: Settings, built: Built, login: KafkaLogin | None = None, kafka_ca: str = "") -> Plan:
    trust = (File(KAFKA_CA, kafka_ca, "0644"),) if login and login.truststore else ()
    # Listed only when used: a plaintext stack's service inputs stay as they were (no restart).
    kafka_files = (*(f.path for f in trust), KAFKA_JAAS) if login else ()
    return Plan(stage=stage, script_name=SCRIPT, files=(
        File(CONFIG, built.text(), "0640", "root:logstash"),
        File(PLUGINS_FILE, "".join(f"{name}\n" for name in built.install)),
        *trust,
    ), env={
        "PIPELINE_CONFIG": CONFIG,
        "LOGSTASH_HOME": logstash.HOME,
        "LOGSTASH_SETTINGS": logstash.SETTINGS_DIR,
        "CHECK_JAVA_OPTS": logstash.CHECK_JAVA_OPTS,
        # What Logstash runs from, whichever stage placed it: a change to any restarts it.
        "SERVICE_INPUTS": " ".join((logstash.SETTINGS_FILE, logstash.ENV_FILE, logstash.JVM_OPTIONS, logstash.UNIT_FILE,
                                    CONFIG, SECRETS_FILE, PLUGINS_FILE, *kafka_files, logstash.HOME)),
        # Plugins live inside the release's folder: a new Logstash release needs them installed again.
        "LOGSTASH_VERSION": settings.logstash.version,
        "PIPELINE_PLUGINS": " ".join(built.install),
        "SECRETS_FILE": SECRETS_FILE,
        "LAST_GOOD_CONFIG": LAST_GOOD_CONFIG,
        "SECRET_COUNT": str(len(built.secrets)),
        "KAFKA_JAAS_FILE": KAFKA_JAAS,
        # Only the output reads a JAAS file (pipelines.login_options says why).
        "KAFKA_JAAS_WANTED": "1" if login and built.role == "producer" else "0",
    }, secrets=built.secrets)
