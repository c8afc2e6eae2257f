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


def test_the_ttl_units_in_full(make_settings, broker):
    # Exactly what systemd reads: a misspelt section or key is only a warning in its journal, and
    # the guard would silently never fire (the rehearsal watches it fire on real hosts).
    unit = files(base.plan(make_settings({"ttlHours": 2.5}), broker))
    assert unit["/etc/systemd/system/kafka-pipeline-ttl.service"] == (
        "[Unit]\nDescription=Stop this kafka-pipeline instance when its TTL is up\n\n"
        "[Service]\nType=oneshot\nExecStart=/usr/bin/systemctl poweroff\n")
    assert unit["/etc/systemd/system/kafka-pipeline-ttl.timer"] == (
        "[Unit]\nDescription=kafka-pipeline TTL: stop after 2.5 hours up\n\n"
        "[Timer]\nOnBootSec=150min\nAccuracySec=1min\n\n[Install]\nWantedBy=timers.target\n")


def test_the_shortest_ttl_arms_the_guard_too(make_settings, broker):
    assert base.plan(make_settings({"ttlHours": 0.5}), broker).env["TTL_ENABLED"] == "1"
