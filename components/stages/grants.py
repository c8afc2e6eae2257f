"""Who may do what on a queue whose logins live elsewhere (Amazon MSK keeps them in Secrets
Manager): the grants of each pipeline's login, as on our brokers (logins.logins), and the
administrator's own, made from the pipeline host that administers the queue (kafka_client) with
the logins stage's script, its passwords left alone.

MSK lets everyone do what no ACL names (allow.everyone.if.no.acl.found is true there), so the
administrator takes the cluster, every topic and every group by ACL first: from then on nothing is
left unnamed, and each pipeline's login does only what its own grants allow."""
from __future__ import annotations

from components.settings import Settings
from components.stages import logins
from components.stages.kafka import HOME
from components.stages.kafka_client import ADMIN, ADMIN_CONFIG
from components.stages.plan import Facts, File, Plan

NAME = "grants"

ADMIN_GRANTS = (("--operation", "All", "--cluster"), ("--operation", "All", "--topic", "*"),
                ("--operation", "All", "--group", "*"))


def plan(settings: Settings, facts: Facts) -> Plan:
    found = (logins.Login(ADMIN, ADMIN_GRANTS), *logins.logins(settings))
    return Plan(stage=NAME, script_name=logins.NAME, files=(File(logins.ACLS_FILE, logins.acl_lines(found), "0600"),),
                env={
                    "KAFKA_HOME": HOME,
                    "BOOTSTRAP": facts.bootstrap,
                    "SCRAM_MECHANISM": settings.kafka.sasl_mechanism,
                    "LOGIN_ACLS": logins.ACLS_FILE,
                    "LOGIN_STATE": logins.STATE_DIR,
                    "LOGIN_PASSWORDS": "0",
                    "COMMAND_CONFIG": ADMIN_CONFIG,
                })
