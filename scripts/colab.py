"""Write the repository's address into every Colab link and install cell: `python scripts/colab.py [--check]`.

The address has one home, pyproject.toml's [project.urls] Repository. From it this script writes the
open-in-Colab badge atop each notebook (the lessons and their solutions), the Colab install cell that each
notebook starts with, and the README's badges, book site address and clone command. `--check` changes nothing and
exits 1 when a file is out of date. (The Arabic edition's badges are written by scripts/translate.py.)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9]*.ipynb"))
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
SITE_LINK = re.compile(r"\[[^\]\s]+\.github\.io/[^\]\s]*\]\(https://[^)\s]+\.github\.io/[^)\s]*\)")
BADGE_LINK = re.compile(r"\[!\[Open in Colab\]\([^)]*\)\]\(([^)]*)\)")
INSTALL_MARKER = "# Colab only:"
INSTALL_CELL = '''\
# Colab only: install the workbook (helpers and requirements; Colab's torch stays) and prepare the model.
import importlib, os, subprocess, sys

if "google.colab" in sys.modules or os.environ.get("WORKBOOK_FORCE_COLAB"):
    source = os.environ.get("WORKBOOK_SOURCE", "git+{repository}")
    for step, command in [("install the workbook", ["pip", "install", "-q", source]),
                          ("prepare the model", ["helpers.models"])]:
        if subprocess.run([sys.executable, "-m", *command]).returncode != 0:
            raise SystemExit(f"Could not {{step}} (see above): give the runtime internet access, then run this cell again.")
    importlib.invalidate_caches()  # so that this running kernel sees what pip just installed'''
INSTALL_NOTE = "In Colab, the next cell installs the workbook and prepares the model (about a minute, once per runtime); elsewhere it does nothing."


def repository() -> str:
    """The repository's address, from pyproject.toml."""
    match = re.search(r'^Repository\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    if not match:
        sys.exit("pyproject.toml has no [project.urls] Repository = \"https://github.com/ORG/NAME\": add it.")
    return match.group(1).rstrip("/")


def colab_url(notebook: Path, repo: str) -> str:
    """The address that opens a notebook of the repository's main branch in Colab (any edition, lesson or solution)."""
    parts = notebook.parts
    folder = "/".join(parts[len(parts) - 1 - parts[::-1].index("notebooks"):-1])
    return f"{repo.replace('https://github.com/', 'https://colab.research.google.com/github/')}/blob/main/{folder}/{notebook.name}"


def badge(notebook: Path, repo: str) -> str:
    """The markdown of an open-in-Colab badge for a notebook."""
    return f"[![Open in Colab]({BADGE})]({colab_url(notebook, repo)})"


def updated_notebook(path: Path, repo: str) -> nbformat.NotebookNode:
    """The notebook with its badge, its install note and its install cell written from the repository's address."""
    notebook = nbformat.read(path, as_version=4)
    title = notebook.cells[0]
    lines = [line for line in title.source.splitlines() if BADGE not in line]
    title.source = "\n".join([lines[0], "", badge(path, repo), *lines[1:]]).replace("\n\n\n", "\n\n")
    source = INSTALL_CELL.format(repository=repo)
    has_cell = len(notebook.cells) > 2 and notebook.cells[2].source.startswith(INSTALL_MARKER)
    if has_cell:
        notebook.cells[1].source, notebook.cells[2].source = INSTALL_NOTE, source
    else:
        cell = nbformat.v4.new_code_cell(source)
        notebook.cells[1:1] = [nbformat.v4.new_markdown_cell(INSTALL_NOTE), cell]
    return notebook


def site_url(repo: str) -> str:
    """The address of the book site that the CI's `pages` job publishes (GitHub Pages of the repository)."""
    owner, name = repo.removeprefix("https://github.com/").split("/")[:2]
    return f"https://{owner}.github.io/{name}/"


def updated_readme(text: str, repo: str) -> str:
    """The README with its Colab badges, the book site's address and the clone command pointing at the repository."""
    text = BADGE_LINK.sub(lambda match: badge(Path(match.group(1)), repo), text)
    site = site_url(repo)
    text = SITE_LINK.sub(f"[{site.removeprefix('https://').rstrip('/')}]({site})", text)
    return re.sub(r"!git clone \S+ workbook", f"!git clone {repo} workbook", text)


def stale_files(write: bool) -> list[str]:
    """The files whose Colab links or install cell differ from the repository's address; rewrite them if asked."""
    repo, stale = repository(), []
    for path in NOTEBOOKS + SOLUTIONS:
        notebook = updated_notebook(path, repo)
        if nbformat.writes(notebook) != nbformat.writes(nbformat.read(path, as_version=4)):
            stale.append(str(path.relative_to(ROOT)))
            if write:
                nbformat.write(notebook, path)
    readme = ROOT / "README.md"
    text = updated_readme(readme.read_text(), repo)
    if text != readme.read_text():
        stale.append("README.md")
        if write:
            readme.write_text(text)
    return stale


def main() -> None:
    """Update the links (or only check them with --check)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is out of date")
    args = parser.parse_args()
    stale = stale_files(write=not args.check)
    if args.check and stale:
        sys.exit(f"out of date with pyproject.toml's Repository: {', '.join(stale)}. Run `make links`.")
    print("\n".join(f"updated {name}" for name in stale) or "all Colab links and install cells are up to date")


if __name__ == "__main__":
    main()
