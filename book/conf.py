"""Sphinx configuration of the book site, one build per edition: `scripts/build_book.py` stages each edition's
notebooks and runs Sphinx with `-D language=en` or `-D language=ar` (see that script). Nothing is executed or
fetched: MyST-NB renders the outputs stored in the notebooks, and Furo's assets come in its wheel."""

from __future__ import annotations

import json
import os

project = "LLM text generation with 🤗 transformers"
language = "en"
extensions = ["myst_nb"]
nb_execution_mode = "off"  # the stored, CI-checked outputs are the ones shown
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN: each explorer's cell also prints its static view
myst_enable_extensions = []
html_theme = "furo"
html_static_path = ["_static"]
html_css_files = ["workbook.css"]
templates_path = ["_templates"]
html_sidebars = {"**": ["sidebar/brand.html", "edition.html", "sidebar/search.html", "sidebar/scroll-start.html",
                        "sidebar/navigation.html", "sidebar/scroll-end.html"]}
html_copy_source = False
html_show_sourcelink = False
exclude_patterns = ["_build"]
# Set by scripts/build_book.py: the page titles, links and labels of this edition (JSON).
EDITION = json.loads(os.environ.get("WORKBOOK_BOOK_EDITION", "{}"))
html_title = EDITION.get("title", project)  # the edition's own words for the site's name


def add_edition_links(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give every page its open-in-Colab address and the address of the same page in the other edition."""
    context["edition"] = EDITION
    context["colab_url"] = EDITION.get("colab", {}).get(pagename)
    context["other_edition_url"] = "../" * (pagename.count("/") + 1) + f"{EDITION.get('other', 'en')}/{pagename}.html"


def setup(app) -> None:
    """Register the page-context hook."""
    app.connect("html-page-context", add_edition_links)
