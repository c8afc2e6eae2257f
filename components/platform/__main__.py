"""What a platform needs of this machine before a run, one need per line, for scripts/pulumi.sh:

    python -m components.platform needs [PLATFORM]     (empty or omitted: the default platform)

An unknown name prints nothing: the program refuses it at preview, naming the key."""
from __future__ import annotations

import sys

from components.platform import PLATFORMS
from components.settings import keys


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "needs" or len(argv) > 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    name = (argv[1:] or [""])[0] or keys.KEYS["platform"].default
    kind = PLATFORMS.get(name)
    for need in kind.needs if kind else ():
        print(need)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
