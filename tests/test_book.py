"""The book site: both editions built offline from the stored outputs, a page per notebook, each linking to its
Colab notebook and to itself in the other edition, the Arabic pages right-to-left, nothing loaded from the internet."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_book  # noqa: E402  (scripts/build_book.py)
import colab  # noqa: E402  (scripts/colab.py)
import translate  # noqa: E402  (scripts/translate.py)

PAGES = [notebook.relative_to(translate.NOTEBOOKS).with_suffix("") for notebook in translate.english_notebooks()]
EDITIONS = {"en": translate.NOTEBOOKS, "ar": translate.EDITION}
REMOTE = re.compile(r"""<(?:script|img|iframe)\b[^>]*\bsrc=["']https?:|<link\b[^>]*\bhref=["']https?:""")

pytestmark = pytest.mark.slow


def page(book: Path, language: str, name: Path) -> str:
    """The HTML of one page of the site."""
    return (book / language / name.with_suffix(".html")).read_text(encoding="utf-8")


@pytest.mark.parametrize("language", EDITIONS)
def test_every_notebook_has_a_page_in_its_language_linking_to_colab_and_the_other_edition(book: Path,
                                                                                         language: str) -> None:
    """Each lesson and solution is a page; its Colab link opens this edition's notebook; the switch finds its twin."""
    assert (book / "index.html").is_file() and (book / language / "index.html").is_file()
    other = next(edition for edition in EDITIONS if edition != language)
    for name in PAGES:
        html = page(book, language, name)
        assert f'<html class="no-js" lang="{language}"' in html, name
        assert f'<span class="sidebar-brand-text">{build_book.strings(language)["title"]}</span>' in html, name
        colab_url = colab.colab_url(EDITIONS[language] / name.with_suffix(".ipynb"), colab.repository())
        assert f'class="workbook-colab" href="{colab_url}"' in html, f"{language}/{name}: no Colab link to its notebook"
        switch = re.search(r'class="workbook-switch" href="([^"]+)"', html).group(1)
        assert (book / language / name).parent.joinpath(switch).resolve() == (book / other / name).with_suffix(
            ".html").resolve(), f"{language}/{name}: the language switch goes to {switch}"


@pytest.mark.parametrize("language", EDITIONS)
def test_pages_show_the_stored_plots_and_fetch_nothing(book: Path, language: str) -> None:
    """Every image the notebook stores (plots, the explorers' static views) is on its page; no page loads a remote file."""
    for name in PAGES:
        html = page(book, language, name)
        notebook = nbformat.read(EDITIONS[language] / name.with_suffix(".ipynb"), as_version=4)
        images = sum("image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", []))
        assert html.count('<img alt="_images/') == images, f"{language}/{name}: {images} stored images"
        assert not REMOTE.findall(html), f"{language}/{name} loads {REMOTE.findall(html)[:3]}"
        assert "$$" not in html and "\\frac" not in html, f"{language}/{name} shows unrendered LaTeX (the book has no math renderer)"


def test_the_arabic_edition_has_arabic_titles(book: Path) -> None:
    """Each Arabic page's first heading is written in Arabic letters (unless its cell awaits translation, which the page
    says in Arabic above it), the English page's in Latin ones."""
    arabic = re.compile("[\u0600-\u06ff]")
    for name in PAGES:
        english_title = re.search(r"<h1>(.*?)<a", page(book, "en", name)).group(1)
        arabic_page = page(book, "ar", name)
        arabic_title = re.search(r"<h1>(.*?)<a", arabic_page).group(1)
        awaiting = translate.AWAITING in arabic_page.partition("<h1>")[0]
        assert (arabic.search(arabic_title) or awaiting) and not arabic.search(english_title), (name, arabic_title)
