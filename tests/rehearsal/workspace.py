"""A copy of the program in a folder of its own, driven by the project's own scripts/pulumi.sh
with the real Pulumi engine, so a rehearsal is exactly what a user runs and leaves the checkout
(its stacks, state and passphrase) untouched.

The copy holds the program (Pulumi.yaml, __main__.py, components/, scripts/, requirements.txt)
and a committed stack file (`local` by default) under the rehearsal's stack name; the venv and tests/
are linked. HOME points into the copy, so SSH keys and known hosts stay there too."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ("Pulumi.yaml", "__main__.py", "components", "scripts", "requirements.txt")
LINKED = (".venv", "tests")
# Where scripts/pulumi.sh looks for the CLI besides PATH (Pulumi's installer puts it there). The
# copy runs with its own HOME, so the operator's is added to PATH here: every target finds the CLI
# the same way, `make bench` and `make rehearse` as `make up` does.
CLI_DIR = Path.home() / ".pulumi" / "bin"


class RehearsalError(AssertionError):
    pass


@dataclass
class Workspace:
    stack: str
    folder: Path
    config: dict = field(default_factory=dict)
    # The committed stack file the copy's stack starts from.
    template: str = "local"
    # Called before each `up` and `preview` (the rehearsal serves its downloads there).
    before_deploy: Callable[[], None] | None = None

    def create(self) -> "Workspace":
        if not shutil.which("pulumi", path=self.env()["PATH"]):
            raise RehearsalError(f"the Pulumi CLI is neither on PATH nor in {CLI_DIR} (install it with Pulumi's "
                                 "installer; on machines without Pulumi's download site, put the offline bundle's "
                                 "bin/ on PATH, as .ci/run does)")
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        for name in PROGRAM:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, self.folder / name, ignore=shutil.ignore_patterns("__pycache__", ".build"))
            else:
                shutil.copy2(source, self.folder / name)
        for name in LINKED:
            (self.folder / name).symlink_to(ROOT / name)
        stack_file = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{self.template}.yaml").read_text())
        # A salt in a checkout's stack file belongs to that checkout's passphrase, not to this copy's.
        stack_file.pop("encryptionsalt", None)
        stack_file["config"].update({f"kafka-pipeline:{k}": v for k, v in self.config.items()})
        (self.folder / "stacks").mkdir()
        (self.folder / "stacks" / f"Pulumi.{self.stack}.yaml").write_text(yaml.safe_dump(stack_file))
        (self.folder / "home").mkdir()
        return self

    def env(self) -> dict[str, str]:
        path = os.environ.get("PATH", "")
        return {**os.environ, "HOME": str(self.folder / "home"), "STACK": self.stack, "PATH": f"{path}:{CLI_DIR}"}

    def script(self, *args: str, timeout: float = 1800, check: bool = True, env: dict[str, str] | None = None,
               stdin: str | None = None) -> subprocess.CompletedProcess:
        """scripts/pulumi.sh with `args` (and `env` added to the environment, `stdin` on its standard
        input), in the copy; its output kept for the failure message."""
        if self.before_deploy and args[:1] in (("up",), ("preview",)):
            self.before_deploy()
        began = time.monotonic()
        result = subprocess.run(["bash", "scripts/pulumi.sh", *args], cwd=self.folder, env={**self.env(), **(env or {})},
                                input=stdin, capture_output=True, text=True, timeout=timeout)
        result.seconds = time.monotonic() - began
        if check and result.returncode != 0:
            # The failing resources' own words first: a report cut short still shows them.
            raise RehearsalError(f"scripts/pulumi.sh {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{resource_errors(result.stdout)}\n--- the engine's last lines:\n"
                                 f"{tail(result.stdout, 120)}\n{tail(result.stderr, 40)}")
        return result

    def up(self, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return self.script("up", self.stack, *options, env=env)

    def outputs(self) -> dict:
        return json.loads(self.script("stack", "output", "--json", "--show-secrets").stdout)

    def resources(self) -> list[dict]:
        state = json.loads(self.script("stack", "export").stdout)
        return state["deployment"].get("resources") or []

    def set(self, key: str, value: str) -> None:
        self.script("config", "set", "--path", key, value)

    def set_from_stdin(self, key: str, value: str, secret: bool = False) -> None:
        """A value piped in, as `pulumi config set` reads one it is not given: never on a command
        line (where an error message would repeat it), whatever its first character."""
        self.script("config", "set", "--path", *(["--secret"] if secret else []), key, stdin=value)

    def set_all(self, values: dict[str, str]) -> None:
        self.script("config", "set-all", "--path", *(a for k, v in values.items() for a in ("--plaintext", f"{k}={v}")))

    def get(self, key: str) -> str | None:
        """The stack's value at a config path; None when unset."""
        found = self.script("config", "get", "--path", key, check=False)
        return found.stdout.strip() if found.returncode == 0 else None

    def key_file(self) -> Path:
        path = self.folder / "home" / "stack.pem"
        if not path.exists():
            path.write_text(self.outputs()["sshPrivateKey"])
            path.chmod(0o600)
        return path

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def resource_errors(output: str, lines_each: int = 12) -> str:
    """The engine's diagnostics of each failed resource but the stack itself (whose block holds the
    program's traceback when the engine cancels it), a few lines each."""
    section = output.split("\nDiagnostics:\n", 1)[1] if "\nDiagnostics:\n" in output else ""
    section = re.split(r"\n(?:Outputs|Resources):\n", section, maxsplit=1)[0]
    blocks = re.split(r"\n(?=  \S)", section.strip("\n"))
    kept = ["\n".join(b.splitlines()[:lines_each]) for b in blocks
            if b.strip() and not b.lstrip().startswith("pulumi:pulumi:Stack")]
    return "\n".join(kept) or "(no resource diagnostics)"


def tail(text: str, lines: int) -> str:
    return "\n".join((text or "").strip().splitlines()[-lines:])
