"""logstash.yml (flat `key: value` lines) and the command line, as one settings mapping.

Only the settings our deployment writes are known; any other is refused, as Logstash refuses a
setting it does not have. Those whose other values the stand-in does not implement are pinned.
"""
from __future__ import annotations

import json
import re
from pathlib import Path


class SettingsError(Exception):
    pass


# name -> (type, default); `None` default: no value unless given.
KNOWN = {
    "path.data": (str, None),
    "path.logs": (str, None),
    "config.support_escapes": (bool, False),
    "config.reload.automatic": (bool, False),
    "pipeline.ecs_compatibility": (str, "v8"),
}
# The stand-in implements one behaviour of these; the deployment must ask for exactly that one.
REQUIRED = {
    "config.support_escapes": (True, "our parser reads backslash escapes as Logstash does with it on"),
    "config.reload.automatic": (False, "the stand-in does not reload its config"),
    "pipeline.ecs_compatibility": ("disabled", "the stand-in builds events as Logstash does with ECS off"),
}
_LINE = re.compile(r"([A-Za-z0-9_.]+):\s*(.*?)\s*\Z")


def load(settings_dir: Path | None, home: Path, cli: dict[str, str]) -> dict[str, object]:
    values: dict[str, object] = {k: default for k, (_, default) in KNOWN.items()}
    if settings_dir is not None:
        path = settings_dir / "logstash.yml"
        if path.is_file():
            values.update(read_yml(path))
    values.update({k: v for k, v in cli.items() if v is not None})
    if values["path.data"] is None:
        values["path.data"] = str(home / "data")
    for key, (wanted, why) in REQUIRED.items():
        if values[key] != wanted:
            raise SettingsError(f"{key} is {json.dumps(values[key])}; the Logstash stand-in needs "
                                f"{json.dumps(wanted)} ({why})")
    return values


def read_yml(path: Path) -> dict[str, object]:
    values: dict[str, object] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise SettingsError(f"{path}:{number}: the stand-in reads only flat `key: value` lines, not {line!r}")
        key, raw = match.groups()
        if key not in KNOWN:
            raise SettingsError(f"{path}:{number}: Setting \"{key}\" doesn't exist. Please check if you haven't "
                                "made a typo (or it is not a setting the Logstash stand-in knows)")
        value = scalar(raw)
        kind = KNOWN[key][0]
        if not isinstance(value, kind):
            raise SettingsError(f"{path}:{number}: {key} must be a {kind.__name__}, not {raw!r}")
        values[key] = value
    return values


def scalar(raw: str) -> object:
    if raw.startswith('"'):
        return json.loads(raw)  # a YAML double-quoted scalar reads like a JSON string
    if raw.startswith("'") and raw.endswith("'") and len(raw) > 1:
        return raw[1:-1].replace("''", "'")
    return {"true": True, "false": False}.get(raw, raw)
