"""What bin/logstash and bin/logstash-plugin run (`python3 -I this-file TOOL ARGS...`)."""
import sys
from pathlib import Path

HOME = Path(__file__).resolve().parents[2]
# The runtime and its vendored packages, ahead of anything the host's python3 has.
sys.path[:0] = [str(HOME / "lib"), str(HOME / "vendor" / "python")]

from standin import cli  # noqa: E402

sys.exit(cli.main(HOME, sys.argv[1:]))
