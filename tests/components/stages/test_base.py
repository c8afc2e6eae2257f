"""The base stage: the TTL guard and the host's name."""
from components.stages import base
from tests.components.stages.conftest import files


def test_ttl_timer_counts_hours_from_boot(make_settings, broker):
    plan = base.plan(make_settings({"ttlHours": 2.5}), broker)
    assert "OnBootSec=150min" in files(plan)["/etc/systemd/system/kafka-pipeline-ttl.timer"]
    assert "ExecStart=/usr/bin/systemctl poweroff" in files(plan)["/etc/systemd/system/kafka-pipeline-ttl.service"]
    assert plan.env["TTL_ENABLED"] == "1"
    assert base.plan(make_settings({"ttlHours": 0}), broker).env["TTL_ENABLED"] == "0"


def test_the_host_is_named_after_its_node(make_settings, broker):
    assert base.plan(make_settings(), broker).env["HOST_NAME"] == "kafka-server"
