"""The download mirror of a rehearsal: the Kafka distribution assembled from Maven Central's jars
and real Logstash (the offline OSS build with a JDK added, logstash_dist), served over HTTP from an
address on the rehearsal's bridge, laid out as releases.kafka_archive and releases.logstash_archive
expect under kafka.downloadUrl and logstash.downloadUrl.

    python -m tests.rehearsal.mirror start  --root DIR --address A --port P [--kafka V ...] [--logstash V]
    python -m tests.rehearsal.mirror stop   --root DIR
    python -m tests.rehearsal.mirror status --root DIR
    python -m tests.rehearsal.mirror serve  --root DIR --address A --port P     (foreground)

`start` builds what is missing or stale, starts the server detached (unless it already runs there)
and prints the stack config that points a rehearsal at it: the URLs, the checksums and the Logstash
release it serves (only releases with an offline build can be served). The server binds with
IP_FREEBIND, so it can listen before Pulumi creates the bridge that carries its address.

It is a test fixture, not a product feature: its Kafka is assembled from jars, not Apache's release,
so no operator tool calls it. The rehearsal (scenario.Rehearsal) serves it before each `up` or
`preview` and stops it after the destroy.
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import signal
import socket
import socketserver
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from components import releases
from tests.rehearsal import kafka_dist, logstash_dist

REPO = Path(__file__).resolve().parents[2]
MODULE = "tests.rehearsal.mirror"
PIDFILE = "mirror.pid"
LOGFILE = "mirror.log"
# Linux's value (<linux/in.h>); the socket module names it only from Python 3.12.
IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)
# Where `make up STACK=local` serves it (on the stack's bridge) when the real downloads are out of reach.
PORT = 8765
START_TIMEOUT = 20
STOP_TIMEOUT = 10

LOG = logging.getLogger("mirror")

# (version, out_dir) -> the archive it built or reused in out_dir
Builder = Callable[[str, Path], Path]
# product -> version -> SHA-512 of its archive
Digests = dict[str, dict[str, str]]


# Each product, served from root/<product>/ as its downloadUrl says.
BUILDERS: dict[str, Builder] = {"kafka": kafka_dist.build, "logstash": logstash_dist.build}


# --- building ---------------------------------------------------------------------------------

def build(root: Path, kafka_versions: list[str], logstash_versions: list[str],
          builders: Mapping[str, Builder] = BUILDERS) -> Digests:
    """Builds (or reuses) every archive under root/<product>/; returns each one's SHA-512 by
    product and version, in the order given."""
    wanted = {"kafka": kafka_versions, "logstash": logstash_versions}
    return {product: {v: sha512(builders[product](v, root / product)) for v in versions}
            for product, versions in wanted.items()}


sha512 = logstash_dist.sha512


def base_url(address: str, port: int) -> str:
    return f"http://{address}:{port}"


def stack_config(url: str, digests: Digests) -> dict[str, str]:
    """The config a rehearsal stack sets: download from the mirror, check the first version given
    of each product (the one the stack installs) against what the mirror serves. Logstash's
    version is set too: only a release with an offline build can be served, whatever the default."""
    config = {}
    for product, by_version in digests.items():
        config[f"{product}.downloadUrl"] = f"{url}/{product}"
        config[f"{product}.sha512"] = next(iter(by_version.values()))
    config["logstash.version"] = next(iter(digests["logstash"]))
    return config


# --- serving ----------------------------------------------------------------------------------

class ArchiveHandler(SimpleHTTPRequestHandler):
    """Static files of the products' folders only (not the pidfile or log beside them)."""

    def send_head(self):
        top = urllib.parse.urlsplit(self.path).path.lstrip("/").split("/", 1)[0]
        if top not in BUILDERS:
            self.send_error(404)
            return None
        return super().send_head()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class names it so
        LOG.info("%s %s", self.address_string(), format % args)


class MirrorServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # Bind to an address no interface holds yet: Pulumi creates the bridge after we start.
        self.socket.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
        # HTTPServer.server_bind would resolve the address's host name: a DNS round trip for nothing.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def make_server(root: Path, address: str, port: int) -> MirrorServer:
    """Bound and listening, not yet serving."""
    return MirrorServer((address, port), functools.partial(ArchiveHandler, directory=str(root)))


def serve(root: Path, address: str, port: int) -> None:
    """Serves until killed; requests are logged to root/mirror.log, the pidfile says it is up."""
    logging.basicConfig(filename=root / LOGFILE, level=logging.INFO, format="%(asctime)s %(message)s")
    server = make_server(root, address, port)
    write_record(root, {"pid": os.getpid(), "address": address, "port": port})
    LOG.info("serving %s on %s", root, base_url(address, port))
    server.serve_forever()


# --- the detached server ----------------------------------------------------------------------

def write_record(root: Path, record: dict) -> None:
    partial = root / (PIDFILE + ".part")
    partial.write_text(json.dumps(record))
    os.replace(partial, root / PIDFILE)


def running(root: Path) -> dict | None:
    """The pidfile's record if its process is still our server, else None."""
    try:
        record = json.loads((root / PIDFILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return record if is_server(record["pid"]) else None


def is_server(pid: int) -> bool:
    """Alive (not a zombie awaiting its parent) and running this module: pids get reused."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z" and MODULE.encode() in argv and b"serve" in argv


def running_here(root: Path, address: str, port: int) -> dict | None:
    """The record of the server of `root` if it serves address:port; one serving elsewhere is an error."""
    record = running(root)
    if record and (record["address"], record["port"]) != (address, port):
        raise RuntimeError(f"a mirror of {root} already serves {base_url(record['address'], record['port'])}; "
                           f"stop it first (python -m {MODULE} stop --root {root})")
    return record


def start(root: Path, address: str, port: int) -> dict:
    """Starts the server detached unless it already runs for this root; returns its record."""
    record = running_here(root, address, port)
    if record:
        return record
    (root / PIDFILE).unlink(missing_ok=True)
    with open(root / LOGFILE, "ab") as log:
        # Its own session and no pipe of ours: it outlives this process and its terminal.
        child = subprocess.Popen(
            [sys.executable, "-m", MODULE, "serve", "--root", str(root), "--address", address, "--port", str(port)],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        record = running(root)
        if record and record["pid"] == child.pid:
            return record
        if child.poll() is not None:
            break
        time.sleep(0.1)
    child.kill()
    raise RuntimeError(f"the mirror did not start; the end of {root / LOGFILE}:\n{log_tail(root)}")


def serve_for(root: Path, address: str, port: int, kafka: list[str], logstash: list[str] | None = None
              ) -> dict[str, str]:
    """Builds what is missing, serves it (unless already served there) and returns the stack config
    that points a stack at it; Logstash defaults to the newest offline build."""
    root.mkdir(parents=True, exist_ok=True)
    running_here(root, address, port)  # refuse before spending a build on it
    logstash = logstash or logstash_dist.offline_versions()[:1]
    if not logstash:
        raise RuntimeError(f"no offline Logstash build in {logstash_dist.BUNDLES} (logstash-oss-<version>-nojdk.tar.gz)")
    digests = build(root, kafka, logstash)
    start(root, address, port)
    return stack_config(base_url(address, port), digests)


def stop(root: Path) -> bool:
    """Stops the server if it runs; True if it did."""
    record = running(root)
    if record:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            os.kill(record["pid"], sig)
            if gone(record["pid"], STOP_TIMEOUT):
                break
    (root / PIDFILE).unlink(missing_ok=True)
    return record is not None


def gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_server(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def log_tail(root: Path, lines: int = 20) -> str:
    path = root / LOGFILE
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


# --- command line -----------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, required=True, help="folder holding the archives, pidfile and log")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--address", required=True, help="address to serve on; need not exist yet")
    where.add_argument("--port", type=int, required=True)
    p = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n\n")[0])
    commands = p.add_subparsers(dest="command", required=True)
    begin = commands.add_parser("start", parents=[common, where], help="build, serve detached, print the stack config")
    begin.add_argument("--kafka", nargs="+", default=[releases.DEFAULT_KAFKA], metavar="VERSION",
                       help="Kafka versions to serve; the first is the one the config checks")
    begin.add_argument("--logstash", nargs="+", default=None, metavar="VERSION",
                       help="Logstash versions to serve (each needs an offline build); the first is the one "
                            "the config checks; default: the newest offline build")
    commands.add_parser("stop", parents=[common], help="stop the server (fine if it is not running)")
    commands.add_parser("status", parents=[common], help="exit 0 if the server runs")
    commands.add_parser("serve", parents=[common, where], help="serve in the foreground")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root = args.root.resolve()
    if args.command == "start":
        print(json.dumps(serve_for(root, args.address, args.port, args.kafka, args.logstash), indent=2))
    elif args.command == "stop":
        print("stopped" if stop(root) else "not running", file=sys.stderr)
    elif args.command == "status":
        record = running(root)
        print(json.dumps(record) if record else "not running", file=sys.stdout if record else sys.stderr)
        return 0 if record else 1
    else:
        serve(root, args.address, args.port)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as error:
        sys.exit(f"mirror: {error}")
