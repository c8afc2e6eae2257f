"""Host preparation: wait for cloud-init, base packages, and the TTL guard that stops the
instance after `ttlHours` up, so a forgotten lab stops costing compute."""
from __future__ import annotations

from components.settings import Settings
from components.stages.plan import Facts, File, Plan, package_env, systemd_unit

NAME = "base"

TTL_UNIT = "kafka-pipeline-ttl"
TIMER_FILE = f"/etc/systemd/system/{TTL_UNIT}.timer"


def plan(settings: Settings, facts: Facts) -> Plan:
    files = (
        File(f"/etc/systemd/system/{TTL_UNIT}.service", systemd_unit({
            "Unit": {"Description": "Stop this kafka-pipeline instance when its TTL is up"},
            "Service": {"Type": "oneshot", "ExecStart": "/usr/bin/systemctl poweroff"},
        })),
        File(TIMER_FILE, systemd_unit({
            "Unit": {"Description": f"kafka-pipeline TTL: stop after {settings.ttl_hours:g} hours up"},
            # OnBootSec counts from each boot: a restarted lab gets the full TTL again.
            "Timer": {"OnBootSec": f"{int(settings.ttl_hours * 60)}min", "AccuracySec": "1min"},
            "Install": {"WantedBy": "timers.target"},
        })),
    )
    return Plan(stage=NAME, files=files, env={
        "TTL_TIMER": TIMER_FILE,
        **package_env(settings),
        "TTL_UNIT": TTL_UNIT,
        "TTL_ENABLED": "1" if settings.ttl_hours > 0 else "0",
        "HOST_NAME": facts.name or f"kafka-pipeline-{facts.role}",
    })

