"""The pipeline config: read (a file, a directory or a glob, as Logstash reads --path.config), parsed
with our own LSCL parser, `${NAME}` references resolved from the environment, then every plugin and
option checked against the schemas. Errors read like Logstash's and name the plugin and option."""
from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from standin import codec as codecs
from standin.lscl import Plugin, Ref
from standin.parse import ParseError, parse
from standin.schema import REQUIRED, SCHEMAS, gem

# Logstash's substitution pattern: ${NAME} or ${NAME:default}.
_VARIABLE = re.compile(r"\$\{(?P<name>[a-zA-Z_.][a-zA-Z0-9_.]*)(:(?P<default>[^}]*))?\}")
SECTIONS = {"inputs": "input", "filters": "filter", "outputs": "output"}


class ConfigError(Exception):
    def __init__(self, logger: str, message: str):
        super().__init__(message)
        self.logger = logger


@dataclass(frozen=True)
class Configured:
    section: str  # input, filter or output
    name: str
    options: dict[str, Any]  # every option, defaults filled in; `codec` is a Configured too


@dataclass(frozen=True)
class Config:
    inputs: list[Configured]
    filters: list[Configured]
    outputs: list[Configured]


def read(path_config: str) -> str:
    """Every file the setting names, sorted, joined; editors' backups (`name~`) skipped as Logstash does."""
    pattern = os.path.join(path_config, "*") if os.path.isdir(path_config) else path_config
    files = sorted(f for f in glob.glob(pattern) if os.path.isfile(f) and not f.endswith("~"))
    if not files:
        raise ConfigError("logstash.config.sourceloader", f"No config files found in path {path_config!r}")
    return "\n".join(Path(f).read_text(encoding="utf-8") for f in files)


def load(text: str, environ: Mapping[str, str], gems: set[str]) -> Config:
    """Our parser reads backslash escapes as Logstash does with config.support_escapes: true, which
    settings.load insists on."""
    try:
        pipeline = parse(text)
    except ParseError as error:
        raise ConfigError("logstash.agent", f"Failed to execute action {{:action=>LogStash::PipelineAction::"
                                            f"Create/pipeline_id:main, :exception=>\"LogStash::ConfigurationError\", "
                                            f":message=>\"{error}\"}}") from None
    if not pipeline.inputs or not pipeline.outputs:
        raise ConfigError("logstash.agent", "a pipeline needs at least one input and one output")
    return Config(*[[configure(section, substitute(p, environ), gems) for p in getattr(pipeline, attr)]
                    for attr, section in SECTIONS.items()])


def substitute(value: Any, environ: Mapping[str, str]) -> Any:
    if isinstance(value, Ref):
        return resolve(value.name, None, environ)
    if isinstance(value, str):
        return _VARIABLE.sub(lambda m: resolve(m.group("name"), m.group("default"), environ), value)
    if isinstance(value, Plugin):
        return Plugin(value.name, {k: substitute(v, environ) for k, v in value.options.items()})
    if isinstance(value, list):
        return [substitute(v, environ) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, environ) for k, v in value.items()}
    return value


def resolve(name: str, default: str | None, environ: Mapping[str, str]) -> str:
    if name in environ:
        return environ[name]
    if default is not None:
        return default
    raise ConfigError("logstash.agent", f"Cannot evaluate `${{{name}}}`. Replacement variable `{name}` is not "
                                        "defined in a Logstash secret store or as an Environment entry and "
                                        "there is no default value given.")


def configure(section: str, plugin: Plugin, gems: set[str]) -> Configured:
    logger = f"logstash.{section}s.{plugin.name}"
    schema = SCHEMAS.get(section, {}).get(plugin.name)
    if schema is None or gem(section, plugin.name) not in gems:
        raise ConfigError("logstash.plugins.registry", f"Couldn't find any {section} plugin named "
                          f"'{plugin.name}'. Are you sure this is correct? Trying to load the {plugin.name} "
                          f"{section} plugin resulted in this error: Unable to load the requested plugin named "
                          f"{plugin.name} of type {section}. The plugin is not installed.")
    options: dict[str, Any] = {}
    for key, value in plugin.options.items():
        option = schema.get(key)
        if option is None:
            raise ConfigError(logger, f"Unknown setting '{key}' for {plugin.name}")
        try:
            options[key] = option.check(value)
        except ValueError as error:
            raise ConfigError(logger, f"Invalid setting for {plugin.name} {section} plugin: {key}: {error}") from None
    for key, option in schema.items():
        if key not in options:
            if option.default is REQUIRED:
                raise ConfigError(logger, f"Missing a required setting for the {plugin.name} {section} plugin: "
                                          f"{key} => # SETTING MISSING")
            options[key] = option.default
    if "codec" in options:
        options["codec"] = configure_codec(section, plugin.name, options["codec"], gems)
    return Configured(section, plugin.name, options)


def configure_codec(section: str, owner: str, plugin: Plugin, gems: set[str]) -> Configured:
    configured = configure("codec", plugin, gems)
    direction = "decode" if section == "input" else "encode"
    if not hasattr(codecs.CODECS[plugin.name], direction):
        raise ConfigError(f"logstash.{section}s.{owner}", f"the {plugin.name} codec cannot {direction} in the "
                                                          f"stand-in, so it cannot serve the {owner} {section}")
    return configured
