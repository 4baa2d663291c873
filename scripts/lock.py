"""Pin this environment's exact versions in constraints.txt, or (--diff) report how it differs from them.

torch and the packages only it needs are left out: its build depends on the machine (the CPU wheel here, a GPU
runner's CUDA build, Colab's own), and pinning them would fight that build's own pins (sympy, nvidia-*).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "constraints.txt"
TORCH_OWN = re.compile(r"^(torch|triton|sympy|mpmath|networkx|nvidia-.*|cuda-.*)$")

HEADER = """\
# The exact versions CI passed with, used by `make setup` and .ci/run (pip install -c constraints.txt).
# requirements.txt keeps ranges, so that Colab reinstalls nothing. Rewrite with `make lock`; `make test-latest`
# runs the suite against the newest releases and reports what changed. torch and the packages only it needs
# (sympy, networkx, nvidia-*) are chosen per machine (Makefile), so they are not pinned here.
"""


def canonical(name: str) -> str:
    """A distribution name as pip compares them: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed() -> dict[str, str]:
    """The environment's distributions and versions, as pip freeze reports them, less torch's own and editable ones."""
    lines = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    pins = dict(line.split("==", 1) for line in lines if "==" in line)
    return {name: version for name, version in pins.items() if not TORCH_OWN.match(canonical(name))}


def pinned() -> dict[str, str]:
    """The versions constraints.txt pins."""
    lines = [line.split("#")[0].strip() for line in LOCK.read_text().splitlines()]
    return dict(line.split("==", 1) for line in lines if "==" in line)


def main() -> None:
    """Write constraints.txt, or print the differences from it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff", action="store_true", help="print what differs from constraints.txt instead of writing it")
    args = parser.parse_args()
    now = installed()
    if not args.diff:
        LOCK.write_text(HEADER + "".join(f"{name}=={version}\n" for name, version in sorted(now.items(), key=lambda kv: kv[0].lower())))
        print(f"pinned {len(now)} packages in {LOCK.name}")
        return
    old = pinned()
    changes = [f"{name}: {old.get(name, 'not pinned')} -> {now.get(name, 'not installed')}"
               for name in sorted(set(old) | set(now), key=str.lower) if old.get(name) != now.get(name)]
    print(f"{len(changes)} packages differ from {LOCK.name}:" if changes else f"every package matches {LOCK.name}")
    print("\n".join(f"  {change}" for change in changes))


if __name__ == "__main__":
    main()
