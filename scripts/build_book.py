"""Build the book site of both editions into build/book/: `python scripts/build_book.py [--into DIR]` (`make book`).

Each edition (English from notebooks/, Arabic from notebooks/ar/) is staged in build/book-src/<language>/ with an
index page, then built by Sphinx with MyST-NB and the Furo theme (book/conf.py) from the notebooks' stored outputs:
nothing is executed, nothing is fetched, and a warning fails the build. The two editions build side by side, each
page linking to its Colab notebook and to the same page in the other edition; build/book/index.html lets the reader
pick a language.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab  # noqa: E402  (scripts/colab.py)
import translate  # noqa: E402  (scripts/translate.py)

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "book"
STAGING = ROOT / "build" / "book-src"
# What each edition's pages say around the lessons; the Arabic comes from the Arabic catalog of the site's strings.
ENGLISH = {
    "title": "LLM text generation with 🤗 transformers",
    "intro": ("Short, executed lessons on how a causal language model generates text, and the pitfalls that catch "
              "people out, with the raw transformers API in every cell. Each page shows the outputs stored and "
              "checked in CI; open it in Colab to run it."),
    "lessons": "Lessons", "solutions": "Solutions to the exercises", "colab": "Open in Colab", "switch": "العربية",
}
SITE_STRINGS = translate.CATALOGS / "site.yaml"
EDITIONS = {"en": translate.NOTEBOOKS, translate.LANGUAGE: translate.EDITION}


def strings(language: str) -> dict[str, str]:
    """The site's own words in a language."""
    return ENGLISH if language == "en" else yaml.safe_load(SITE_STRINGS.read_text(encoding="utf-8"))


def staged_notebook(path: Path, repo: str, colab_label: str) -> nbformat.NotebookNode:
    """A notebook as the book shows it: links to files outside the book go to the repository, the Colab badge is a
    text link (the page needs nothing from the internet), and an Arabic page is right-to-left as a whole, so its cells
    lose their own direction wrappers (a cell awaiting translation keeps its Arabic note above its English)."""

    def relink(match: re.Match) -> str:
        target = (path.parent / match.group(1).partition("#")[0]).resolve()
        if target.suffix == ".ipynb":
            return match.group(0)  # a page of the same edition
        return f"]({repo}/blob/main/{target.relative_to(ROOT).as_posix()})"

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            text = colab.BADGE_LINK.sub(lambda match: f"[{colab_label}]({match.group(1)})", cell.source)
            lines = translate.RELATIVE_LINK.sub(relink, text).split("\n")
            cell.source = "\n".join(line for line in lines if line not in translate.WRAPPERS)
    return notebook


def stage(language: str, into: Path) -> dict:
    """Copy an edition's notebooks under `into` with an index page; return what book/conf.py needs to know of it."""
    shutil.rmtree(into, ignore_errors=True)
    source, words, repo = EDITIONS[language], strings(language), colab.repository()
    pages = {"lessons": [], "solutions": []}
    for english in translate.english_notebooks():
        relative = english.relative_to(translate.NOTEBOOKS)
        (into / relative).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(staged_notebook(source / relative, repo, words["colab"]), into / relative)
        pages["solutions" if relative.parent.name == "solutions" else "lessons"].append(relative.with_suffix(""))
    toctrees = "\n".join(
        f"```{{toctree}}\n:caption: {words[part]}\n:maxdepth: 1\n\n" + "\n".join(p.as_posix() for p in paths) + "\n```\n"
        for part, paths in pages.items())
    (into / "index.md").write_text(f"# {words['title']}\n\n{words['intro']}\n\n{toctrees}", encoding="utf-8")
    colab_urls = {page.as_posix(): colab.colab_url(source / page.with_suffix(".ipynb"), repo)
                  for paths in pages.values() for page in paths}
    return {"language": language, "other": next(other for other in EDITIONS if other != language), "title": words["title"],
            "labels": {"colab": words["colab"], "switch": words["switch"]}, "colab": colab_urls}


def html(language: str) -> Path:
    """Where Sphinx writes an edition (MyST-NB keeps its own files beside it, so each edition has its own folder)."""
    return STAGING / f"{language}-out" / "html"


def build(into: Path) -> float:
    """Stage and build both editions (in parallel), write the language picker, and return the seconds taken."""
    start = time.perf_counter()
    for folder in (into, *(html(language).parent for language in EDITIONS)):
        shutil.rmtree(folder, ignore_errors=True)
    runs = []
    for language in EDITIONS:
        edition = stage(language, STAGING / language)
        command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-c", str(CONF),
                   "-D", f"language={language}", "-d", str(STAGING / f".doctrees-{language}"),
                   str(STAGING / language), str(html(language))]
        env = os.environ | {"WORKBOOK_BOOK_EDITION": json.dumps(edition)}
        runs.append((language, subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                text=True)))
    failed = []
    for language, run in runs:
        output, _ = run.communicate()
        if run.returncode:
            failed.append(f"the {language} edition did not build (Sphinx, warnings are errors):\n{output.strip()}")
    if failed:
        sys.exit("\n".join(failed))
    for language in EDITIONS:
        shutil.copytree(html(language), into / language)
    links = "\n".join(f'  <li><a href="{language}/index.html" lang="{language}">{strings(language)["title"]}</a></li>'
                      for language in EDITIONS)
    (into / "index.html").write_text(
        f'<!doctype html>\n<html lang="en">\n<meta charset="utf-8">\n<title>{ENGLISH["title"]}</title>\n'
        f"<ul>\n{links}\n</ul>\n</html>\n", encoding="utf-8")
    return time.perf_counter() - start


def size_mb(folder: Path) -> float:
    """The megabytes of the files under a folder."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def main() -> None:
    """Build the site and say how long it took and how big it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", type=Path, default=ROOT / "build" / "book", help="default: build/book/")
    args = parser.parse_args()
    seconds = build(args.into)
    print(f"book: {args.into} built in {seconds:.1f} s, {size_mb(args.into):.1f} MB; open {args.into / 'index.html'}")


if __name__ == "__main__":
    main()
