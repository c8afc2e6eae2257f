"""bin/logstash-plugin: `list` and `install`, over the home's Gemfile (one `gem "NAME"` per plugin)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from standin.schema import INTEGRATIONS, SCHEMAS, gem

_GEM = re.compile(r'^gem "([^"]+)"', re.M)


def installed(home: Path) -> set[str]:
    return set(_GEM.findall((home / "Gemfile").read_text()))


def available() -> set[str]:
    """Every gem whose plugins the stand-in implements, installed or not."""
    return {gem(section, name) for section, plugins in SCHEMAS.items() for name in plugins}


def main(home: Path, args: list[str]) -> int:
    verb, names = (args[0], args[1:]) if args else ("", [])
    if verb == "list" and not names:
        for name in sorted(installed(home)):
            print(name)
            for member in INTEGRATIONS.get(name, ()):
                print(member)
        return 0
    if verb == "install" and names:
        unknown = [n for n in names if n not in available()]
        if unknown:
            print(f"ERROR: Installation aborted, plugin(s) not available in the Logstash stand-in: "
                  f"{', '.join(unknown)}", file=sys.stderr)
            return 1
        new = [n for n in names if n not in installed(home)]
        with open(home / "Gemfile", "a") as gemfile:
            gemfile.writelines(f'gem "{n}"\n' for n in new)
        for name in names:
            print(f"Validating {name}\nInstalling {name}")
        print("Installation successful")
        return 0
    print("ERROR: the Logstash stand-in's logstash-plugin runs only `list` and `install NAME...`; got: "
          + (" ".join(args) or "nothing"), file=sys.stderr)
    return 1
