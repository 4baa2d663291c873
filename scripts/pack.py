"""Build the offline pack: wheels, the prepared model and the notebooks, for a room without internet.

`make pack` (or `python scripts/pack.py`) writes build/workbook-pack/; its README.md gives the one-line install.
The wheels are for one platform, by default this machine's: --platform and --python-version choose another.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from helpers.models import DEFAULT_MODEL, ModelUnavailableError, default_gguf, prepare_default_model  # noqa: E402

WORKBOOK = "llm-generation-workbook-helpers"
LAB = ["jupyterlab", "ipykernel"]  # what running the notebooks in JupyterLab needs, beyond the workbook's requirements
INSTALL = ["--no-index", "--find-links", "wheels", WORKBOOK, *LAB]  # pip install arguments, run in the pack's folder
DEFAULT_OUT = ROOT / "build" / "workbook-pack"
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


class PackError(RuntimeError):
    """A pack that cannot be built here; the message says how to fix it."""


DOWNLOAD_FIX = ("check the connection to the package index; for another platform, every package needs a wheel for it "
                "(--platform, --python-version); CONSTRAINTS= (make) or --constraints '' takes the newest versions "
                "instead of constraints.txt's.")


def pip(arguments: list[str], what: str, log: Path, fix: str = DOWNLOAD_FIX) -> None:
    """Run pip, appending its output to the log; on failure raise with pip's first error line and the fix."""
    result = subprocess.run([sys.executable, "-m", "pip", *arguments], capture_output=True, text=True)
    with log.open("a") as file:
        file.write(f"$ pip {shlex.join(arguments)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        reason = next((line for line in result.stderr.splitlines() if line.startswith("ERROR")), "pip failed")
        reason = reason.split(" (from versions:")[0]  # pip lists every release there
        raise PackError(f"could not {what}: {reason} (pip's log: {log}). Fix: {fix}")


def download_wheels(into: Path, torch: str, constraints: str, target: list[str], log: Path) -> None:
    """Download torch (pip arguments: may name its own index) and every other wheel the notebooks need in JupyterLab."""
    binary = ["download", "--quiet", "--only-binary=:all:", "--dest", str(into), *target]
    requirements = ["-r", str(ROOT / "requirements.txt"), *LAB]
    if torch.strip():  # first torch alone, so that TORCH may carry --index-url; the rest then takes that very wheel
        pip([*binary, "--no-deps", *shlex.split(torch)], f"download torch ({torch})", log)
        wheel = next(into.glob("torch-*.whl"), None)
        if wheel is None:
            raise PackError(f"TORCH={torch!r} gave no torch wheel. Fix: name a torch release, e.g. TORCH=torch==2.13.0.")
        requirements.append(f"torch=={wheel.name.split('-')[1]}")
    pinned = ["-c", constraints] if constraints else []
    pip([*binary, "--find-links", str(into), *pinned, *requirements], "download the wheels", log)
    build_workbook_wheel(into, log)


# What the workbook's wheel is built from (pyproject.toml's packages and package data, data/models/ left out).
WHEEL_SOURCES = ["pyproject.toml", "requirements.txt", "LICENSE", "helpers", "data"]


def build_workbook_wheel(into: Path, log: Path) -> None:
    """Build the workbook's wheel from a copy of its sources: setuptools builds in its source folder (build/,
    *.egg-info), which must stay untouched while other builds or tests run beside this one."""
    with tempfile.TemporaryDirectory(prefix="workbook-wheel-") as folder:
        source = Path(folder)
        for name in WHEEL_SOURCES:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("models", "__pycache__"))
            else:
                shutil.copy2(ROOT / name, source / name)
        pip(["wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(into.resolve()), str(source)],
            "build the workbook's wheel", log, fix="see the log: the sources named in scripts/pack.py's WHEEL_SOURCES "
            "must hold everything pyproject.toml packages.")


def copy_model(into: Path) -> Path:
    """Put the prepared default model (prepared first if need be) into the pack, hard-linked where the disk allows."""
    try:
        source = prepare_default_model()
    except ModelUnavailableError as error:
        raise PackError(str(error)) from error
    gguf = default_gguf()  # kept beside the prepared model: lesson 15 reads it
    into.mkdir(parents=True, exist_ok=True)
    _link_or_copy(str(gguf), str(into / gguf.name))
    return Path(shutil.copytree(source, into / DEFAULT_MODEL, copy_function=_link_or_copy))


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link a file (no second copy of the model's 500 MB), or copy it across file systems; readable by all."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    os.chmod(target, os.stat(target).st_mode | 0o444)  # save_pretrained writes some files private; the pack is shared


def size_mb(path: Path) -> float:
    """A file's or folder's size in megabytes (10^6 bytes)."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def install_line(python_version: str) -> str:
    """The one-line offline install, run in the pack's folder."""
    return f"python{python_version} -m venv .venv && .venv/bin/python -m pip install {shlex.join(INSTALL)}"


def readme(pack: Path, python_version: str, system: str) -> str:
    """The pack's README: what it holds, the one-line install, how to start JupyterLab."""
    wheels = sorted(p.name for p in (pack / "wheels").glob("*.whl"))
    torch = next((name.split("-")[1] for name in wheels if name.startswith("torch-")), "none")
    solutions = ", and the exercises' solutions (`solutions/`)" if (pack / "notebooks" / "solutions").is_dir() else ""
    return f"""\
# LLM text generation with transformers: the offline pack

Everything the workbook needs, installable without internet: {len(wheels)} wheels for Python {python_version} on
{system} (torch {torch}), the prepared model {DEFAULT_MODEL} and the notebooks.

| Folder | What | Size |
| --- | --- | --- |
| `wheels/` | the packages, JupyterLab and the workbook's helpers (`{WORKBOOK}`) | {size_mb(pack / 'wheels'):.0f} MB |
| `models/` | {DEFAULT_MODEL}, float32, ready to load, and the Q4_1 GGUF file it was converted from (lesson 15 reads it) | {size_mb(pack / 'models'):.0f} MB |
| `notebooks/` | the lessons, with their outputs{solutions} | {size_mb(pack / 'notebooks'):.1f} MB |

## Install (once, offline)

Copy this folder onto your disk, open a terminal in it, and run (Python {python_version} must be installed):

    {install_line(python_version)}

It takes a few minutes. On Windows use `py -{python_version} -m venv .venv` and `.venv\\Scripts\\python` (but a pack
is for one platform: this one is for {system}). "No matching distribution" means another Python or platform:
ask for the pack built for yours.

## Start JupyterLab (each time, in this folder)

    WORKBOOK_CACHE="$PWD/models" .venv/bin/jupyter lab notebooks

`WORKBOOK_CACHE` tells the workbook where the prepared model is; without it the workbook looks in
`~/.cache/llm-generation-workbook/` (copying `models/{DEFAULT_MODEL}` there works too) and, finding nothing,
tries to download the model. As root add `--allow-root`; on a machine without a browser add `--no-browser` and
open the `http://127.0.0.1:8888/lab?token=...` address JupyterLab prints. Windows (PowerShell):
`$env:WORKBOOK_CACHE="$PWD\\models"; .venv\\Scripts\\jupyter lab notebooks`.
"""


def build(out: Path, torch: str, constraints: str, platform_tag: str | None, python_version: str | None,
          archive: bool) -> Path:
    """Build the pack in a temporary folder beside `out` and rename it into place only when it is complete."""
    if out.exists() and not (out / "wheels").is_dir() and (not out.is_dir() or any(out.iterdir())):
        raise PackError(f"{out} exists and is not a pack: choose another folder with --out (it is replaced).")
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.parent / f"{out.name}-pip.log"
    log.write_text("")
    target = [*(["--platform", platform_tag] if platform_tag else []),
              *(["--python-version", python_version] if python_version else [])]
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    work.chmod(0o755)  # mkdtemp makes it private; the pack is for sharing
    try:
        download_wheels(work / "wheels", torch, constraints, target, log)
        copy_model(work / "models")
        shutil.copytree(ROOT / "notebooks", work / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        version = python_version or THIS_PYTHON
        where = platform_tag or f"{platform.system()} {platform.machine()}"
        (work / "README.md").write_text(readme(work, version, where))
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if archive:
        write_archive(out)
    return out


def write_archive(pack: Path) -> Path:
    """Write the pack's folder as PACK.tar.gz beside it, through a temporary name (fast gzip: level 9 saves 2 %)."""
    partial, archive = pack.parent / f".{pack.name}.tar.gz.partial", pack.parent / f"{pack.name}.tar.gz"
    try:
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            tar.add(pack, arcname=pack.name)
        os.replace(partial, archive)
    finally:
        partial.unlink(missing_ok=True)
    return archive


def main(argv: list[str] | None = None) -> None:
    """Build the pack and print its size; fail in one line that names the fix."""
    parser = argparse.ArgumentParser(prog="python scripts/pack.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the pack's folder (default: build/workbook-pack)")
    parser.add_argument("--torch", default="torch==2.13.0",
                        help="pip arguments naming torch, e.g. 'torch==2.13.0 --index-url URL'; '' lets pip pick")
    parser.add_argument("--constraints", default=str(ROOT / "constraints.txt"), help="pinned versions; '' for none")
    parser.add_argument("--platform", help="the learners' platform tag, e.g. macosx_11_0_arm64, win_amd64")
    parser.add_argument("--python-version", help="the learners' Python, e.g. 3.12 (default: this one's)")
    parser.add_argument("--archive", action="store_true", help="also write the folder as OUT.tar.gz")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        pack = build(args.out.resolve(), args.torch, args.constraints, args.platform, args.python_version, args.archive)
    except PackError as error:
        sys.exit(f"error: {error}")
    torch_mb = sum(size_mb(p) for p in (pack / "wheels").glob("torch-*.whl"))
    print(f"{pack}: {size_mb(pack):.0f} MB ({size_mb(pack / 'wheels'):.0f} MB of wheels, torch {torch_mb:.0f} MB of them; "
          f"model {size_mb(pack / 'models'):.0f} MB), built in {time.perf_counter() - start:.0f} s")
    if args.archive:
        print(f"{pack}.tar.gz: {size_mb(pack.parent / f'{pack.name}.tar.gz'):.0f} MB")
    version = args.python_version or THIS_PYTHON
    print(f"Install from it offline (see {pack / 'README.md'}): cd {pack} && {install_line(version)}")


if __name__ == "__main__":
    main()
