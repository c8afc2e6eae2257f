"""Grants on a queue whose logins live elsewhere (MSK): the logins stage's script, passwords left alone."""
from __future__ import annotations

from components.stages import grants, kafka_client, logins
from tests.components.stages.test_kafka_client import ADMIN_HOST


def test_grants_leave_passwords_alone_and_name_the_administrator_first(make_settings):
    plan = grants.plan(make_settings({"kafka": {"provider": "msk"}, "students": ["ana"]}), ADMIN_HOST)
    assert plan.script_name == logins.NAME and plan.secrets == {}
    assert (dict(plan.env)["LOGIN_PASSWORDS"], dict(plan.env)["COMMAND_CONFIG"]) == ("0", kafka_client.ADMIN_CONFIG)
    lines = plan.files[0].content.splitlines()
    assert [line.split()[0] for line in lines] == ["admin"] * 3 + ["producer-ana", "consumer-ana", "consumer-ana"]
