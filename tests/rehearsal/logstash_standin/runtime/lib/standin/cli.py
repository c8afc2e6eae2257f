"""bin/logstash's command line (the options our deployment passes) and its two modes:
`--config.test_and_exit` checks and exits; otherwise the pipeline runs until stopped."""
from __future__ import annotations

import argparse
import fcntl
import os
import platform
import sys
from pathlib import Path
from typing import NoReturn

from standin import config as cfg
from standin import heap, logs, plugin_cli
from standin import settings as settings_mod
from standin.logs import Logger

LOG = Logger("logstash.runner")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"ERROR: {message}\n\nFor more information, run bin/logstash --help", file=sys.stderr)
        sys.exit(1)


def main(home: Path, argv: list[str]) -> int:
    tool, args = argv[0], argv[1:]
    return plugin_cli.main(home, args) if tool == "plugin" else logstash(home, args)


def arguments(args: list[str]) -> argparse.Namespace:
    p = Parser(prog="bin/logstash", allow_abbrev=False,
               description="The Logstash stand-in (tests only): Logstash's options that our deployment uses.")
    p.add_argument("-V", "--version", action="store_true", help="print the version and exit")
    p.add_argument("-f", "--path.config", dest="path_config", help="a config file, directory or glob")
    p.add_argument("--path.settings", dest="path_settings", help="the folder holding logstash.yml")
    p.add_argument("--path.data", dest="path_data", help="where the stand-in keeps its state")
    p.add_argument("-t", "--config.test_and_exit", dest="test", action="store_true",
                   help="check the config and exit")
    return p.parse_args(args)


def version(home: Path) -> str:
    for line in (home / "versions.yml").read_text().splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "logstash":
            return value.strip()
    raise RuntimeError(f"{home / 'versions.yml'} names no logstash version")


def logstash(home: Path, args: list[str]) -> int:
    opts = arguments(args)
    if opts.version:
        print(f"logstash {version(home)}")
        return 0
    logs.route_python_logging()
    settings_dir = Path(opts.path_settings) if opts.path_settings else None
    heap.take(settings_dir, home)
    try:
        settings = settings_mod.load(settings_dir, home,
                                     {"path.data": opts.path_data})
        if not opts.path_config:
            raise settings_mod.SettingsError("the Logstash stand-in needs --path.config (-f); it reads no pipelines.yml")
        config = cfg.load(cfg.read(opts.path_config), os.environ, plugin_cli.installed(home))
    except settings_mod.SettingsError as error:
        LOG.fatal(f"An unexpected error occurred! {error}")
        return 1
    except cfg.ConfigError as error:
        Logger(error.logger).error(str(error))
        LOG.fatal("The given configuration is invalid. Reason: Something is wrong with your configuration.")
        return 1
    if opts.test:
        print("Configuration OK", flush=True)
        LOG.info("Using config.test_and_exit mode. Config Validation Result: OK. Exiting Logstash")
        return 0
    LOG.info(f'Starting Logstash {{"logstash.version"=>"{version(home)}", "stand-in"=>"Python '
             f'{platform.python_version()}"}}')
    data_dir = Path(str(settings["path.data"]))
    lock = lock_data_dir(data_dir)
    if lock is None:
        return 1
    from standin import pipeline  # only now: it loads kafka-python, which a config test never needs
    return pipeline.run(config, data_dir)


def lock_data_dir(data_dir: Path) -> int | None:
    """The data dir's lock, held until exit: one instance per path.data, as Logstash enforces."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        LOG.fatal(f'Path "{data_dir}" must be a writable directory. It is not writable. ({error.strerror})')
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        LOG.fatal("Logstash could not be started because there is already another instance using the configured "
                  'data directory. If you wish to run multiple instances, you must change the "path.data" setting.')
        return None
    return fd
