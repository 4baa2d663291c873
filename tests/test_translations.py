"""The Arabic edition: complete, current, generated from its catalogs, and the same lessons as the English one."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import translate  # noqa: E402  (scripts/translate.py)

LESSON = "06_length_control"


@pytest.fixture
def workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of one lesson and its catalog, where the script's paths point, for tests that edit them."""
    notebooks, catalogs = tmp_path / "notebooks", tmp_path / "translations" / "ar"
    notebooks.mkdir(parents=True)
    catalogs.mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{LESSON}.ipynb", notebooks)
    shutil.copy(translate.catalog_path(translate.NOTEBOOKS / f"{LESSON}.ipynb"), catalogs)
    for constant, value in {"ROOT": tmp_path, "NOTEBOOKS": notebooks, "CATALOGS": catalogs,
                            "EDITION": notebooks / "ar"}.items():
        monkeypatch.setattr(translate, constant, value)
    return notebooks / f"{LESSON}.ipynb"


def edit(notebook: Path, cell_id: str, change) -> nbformat.NotebookNode:
    """Change one cell's source in a notebook file; return the cell."""
    content = nbformat.read(notebook, as_version=4)
    cell = next(cell for cell in content.cells if cell.id == cell_id)
    cell.source = change(cell.source)
    nbformat.write(content, notebook)
    return cell


def first(notebook: Path, cell_type: str) -> nbformat.NotebookNode:
    """The notebook's first cell of a type that has a translation (after the title)."""
    cells = nbformat.read(notebook, as_version=4).cells
    return next(cell for cell in cells[1:] if cell.cell_type == cell_type and translate.needs_translation(cell))


def test_every_cell_is_translated_and_current() -> None:
    """Coverage is 100 %: no cell of any lesson or solution notebook is missing, stale or unusable."""
    problems = [str(problem) for notebook in translate.english_notebooks() for problem in translate.problems(notebook)]
    assert not problems, f"{len(problems)} cells need work (`make translate-status`):\n" + "\n".join(problems[:5])


def test_the_arabic_edition_is_what_the_catalogs_give() -> None:
    """notebooks/ar/ holds exactly the generated twins: `make translate` was run after the last change."""
    assert not translate.out_of_date()


def test_the_arabic_edition_has_the_english_code_and_outputs() -> None:
    """Every twin has the same cells, the same code but for comments, and the very same outputs."""
    for english in translate.english_notebooks():
        ours = nbformat.read(english, as_version=4).cells
        twin = nbformat.read(translate.edition_path(english), as_version=4).cells
        assert [(c.id, c.cell_type) for c in twin] == [(c.id, c.cell_type) for c in ours], english.name
        for theirs, mine in zip(twin, ours, strict=True):
            if mine.cell_type == "code":
                english = translate.in_the_edition(mine.source) if "parameters" in mine.metadata.get("tags", []) else mine.source
                assert translate.without_comments(theirs.source) == translate.without_comments(english)
                assert theirs.outputs == mine.outputs and theirs.execution_count == mine.execution_count


def test_the_arabic_edition_speaks_arabic_when_run() -> None:
    """Every twin's parameters cell sets LANGUAGE = "ar" (the English sets "en"), the one code change the edition makes."""
    for english in translate.english_notebooks():
        (parameters,) = [cell for cell in nbformat.read(translate.edition_path(english), as_version=4).cells
                         if "parameters" in cell.metadata.get("tags", [])]
        assert 'LANGUAGE = "ar"' in parameters.source, english.name


def test_an_edited_english_cell_is_stale_with_its_diff(workbook: Path) -> None:
    """Changing a translated markdown cell makes its translation stale: the report names the cell and shows the diff."""
    cell = first(workbook, "markdown")
    edit(workbook, cell.id, lambda source: source + "\n\nA sentence added later.")
    (problem,) = translate.problems(workbook)
    assert (problem.cell, problem.kind) == (cell.id, "stale")
    assert "+A sentence added later." in problem.detail and f"cell {cell.id} changed in English" in str(problem)
    twin = translate.arabic_notebook(workbook, translate.load_catalog(translate.catalog_path(workbook)))
    assert next(c for c in twin.cells if c.id == cell.id).source.endswith("A sentence added later.")  # English until redone
    translate.accept(f"{LESSON}:{cell.id}")
    assert translate.problems(workbook) == []


def test_a_new_cell_has_no_translation_until_one_is_written(workbook: Path) -> None:
    """A cell added in English gets an empty catalog entry and is reported missing; removed cells leave the catalog."""
    removed = first(workbook, "markdown").id
    content = nbformat.read(workbook, as_version=4)
    new = nbformat.v4.new_markdown_cell("A new paragraph.")
    content.cells = [new if cell.id == removed else cell for cell in content.cells]
    nbformat.write(content, workbook)
    translate.write()
    entries = translate.load_catalog(translate.catalog_path(workbook))
    assert removed not in entries and entries[new.id] == {
        "hash": translate.source_hash("markdown", "A new paragraph."), "en": "A new paragraph.", "ar": ""}
    assert [(p.cell, p.kind) for p in translate.problems(workbook)] == [(new.id, "missing")]
    assert translate.edition_path(workbook).is_file()


def test_a_code_cell_translates_its_comments_only(workbook: Path) -> None:
    """A code cell's translation may change comments alone; a change of the code without its comments stales nothing."""
    cell = first(workbook, "code")
    catalog = translate.catalog_path(workbook)
    entries = translate.load_catalog(catalog)
    arabic = entries[cell.id]["ar"]
    for broken in (arabic.replace("(", "( ", 1) + "\nx = 1", arabic.replace("\n", "\n# NBVAL_SKIP\n", 1)):
        catalog.write_text(translate.dump_catalog({**entries, cell.id: {**entries[cell.id], "ar": broken}}, workbook))
        assert [p.kind for p in translate.problems(workbook)] == ["invalid"], broken
    catalog.write_text(translate.dump_catalog(entries, workbook))
    edited = edit(workbook, cell.id, lambda source: source + "\nprint('added')")
    assert translate.problems(workbook) == []
    twin = translate.arabic_notebook(workbook, entries)
    generated = next(c for c in twin.cells if c.id == cell.id).source
    assert generated.endswith("print('added')") and translate.comments(generated) == translate.comments(arabic)
    assert translate.without_comments(generated) == translate.without_comments(edited.source)


def test_the_glossary_term_is_required_where_the_english_uses_the_concept() -> None:
    """A translation that renders 'attention mask' without قناع الانتباه is caught; code and links are not prose."""
    terms = translate.glossary()
    assert translate.glossary_misses("Pass the attention mask.", "مرِّر القناع.", terms) == [
        "attention mask (قناع الانتباه)"]
    assert translate.glossary_misses("Pass the attention mask.", "مرِّر قناعَ الانتباه.", terms) == []  # diacritics aside
    assert translate.glossary_misses("Call `tokenizer.pad()` [here](padding.ipynb).", "استدعِ الدالة.", terms) == []
    for term in terms:
        assert any(translate.plain_arabic(form) in translate.plain_arabic(term["ar"]) for form in term["forms"]), term


def test_prose_reads_right_to_left_and_code_left_to_right() -> None:
    """Prose goes into right-to-left blocks with inline code isolated left-to-right; fenced code stays outside them."""
    rendered = translate.rtl("استدعِ `generate` الآن.\n\n```python\nmodel.generate()\n```\n\nثم اقرأ.")
    assert rendered == ('<div dir="rtl">\n\nاستدعِ <span dir="ltr">`generate`</span> الآن.\n\n</div>\n\n'
                        "```python\nmodel.generate()\n```\n\n"
                        '<div dir="rtl">\n\nثم اقرأ.\n\n</div>')


def test_links_follow_the_arabic_notebook(workbook: Path) -> None:
    """The Colab badge opens the Arabic notebook; a link to a lesson stays; a link out of notebooks/ still resolves."""
    badge = "[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://example.org/x.ipynb)"
    text = translate.relinked(f"{badge} [درس](03_how_generation_works.ipynb) [نتائج](../docs/speed-lab.md#cpu)", workbook)
    assert f"/blob/main/notebooks/ar/{LESSON}.ipynb)" in text
    assert "](03_how_generation_works.ipynb)" in text and "](../../docs/speed-lab.md#cpu)" in text


def rendered_markdown(cell: nbformat.NotebookNode) -> str:
    """A markdown cell as HTML, the way a notebook or the book renders it (raw HTML passed through)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).render(cell.source)


def arabic_markdown_cells() -> list[tuple[str, nbformat.NotebookNode]]:
    return [(f"{path.parent.name}/{path.name}:{cell.id}", cell) for path in sorted(translate.EDITION.rglob("*.ipynb"))
            for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "markdown"]


def test_no_rendered_arabic_cell_shows_markup() -> None:
    """The isolation spans are markup, never text: none lands inside code (inline code that wraps onto a second line
    once paired the wrong backticks) or shows as escaped text."""
    leaks = [name for name, cell in arabic_markdown_cells() if "&lt;span" in rendered_markdown(cell)
             or "&lt;/span" in rendered_markdown(cell) or "&lt;div" in rendered_markdown(cell)]
    assert not leaks, f"markup shown as text in {leaks}"
    wrapped = translate.isolated_prose("استدعِ `apply_chat_template(messages,\nadd_generation_prompt=True)` ثم `generate`.")
    assert wrapped.count('<span dir="ltr">`') == 2 and "`apply_chat_template(messages,\nadd_generation_prompt=True)`" in wrapped


def test_latin_text_that_is_not_code_reads_in_order() -> None:
    """A version number or a name with symbols is isolated left-to-right (else 4.x shows as x.4 and C++ as ++C); a
    plain word, a number, a link's target and inline code are left as they are."""
    text = translate.isolated_prose("في 4.x و C++ و v4.62.0 و float32، و Python و 40 و [دليل](../docs/a-b.md) و `x.y`.")
    for isolated in ("4.x", "C++", "v4.62.0", "float32"):
        assert f'<span dir="ltr">{isolated}</span>' in text, isolated
    assert " Python " in text and " 40 " in text and "](../docs/a-b.md)" in text and '<span dir="ltr">`x.y`</span>' in text
    scrambled = [(name, found) for name, cell in arabic_markdown_cells()
                 for found in translate.LATIN_RUN.findall(translate.NOT_LATIN_TEXT.sub(" ", cell.source))
                 if re.search("[A-Za-z]", found) and not found.isalpha()]
    assert not scrambled, f"Latin text not isolated: {scrambled[:5]}"


def test_the_arabic_lessons_quote_the_feedback_words_an_arabic_run_prints() -> None:
    """An Arabic run answers صحيح / ليس بعد / لم تُحاوِل بعد (the helpers' own catalog): the lessons quote those words,
    not the English ones, except to name what the stored English run shows."""
    from helpers.language import catalog

    words = {english: catalog("ar")[template].split(":")[0] for english, template in [
        ("Correct", "Correct: {why}"), ("Not yet", "Not yet: {symptom}"),
        ("Not attempted yet", "Not attempted yet: write your prediction in place of the ..., then run this cell again.")]}
    quoted = {english: 0 for english in words}
    for path in sorted(translate.CATALOGS.rglob("*.yaml")):
        if path in (translate.GLOSSARY, translate.CATALOGS / "site.yaml"):
            continue
        for cell_id, entry in translate.load_catalog(path).items():
            arabic = entry.get("ar") or ""
            for english, word in words.items():
                assert f"`{english}: …`" not in arabic, f"{path.name}:{cell_id} quotes `{english}: …`, not `{word}: …`"
                quoted[english] += f"`{word}" in arabic
    assert all(quoted.values()), quoted


def test_repeated_english_is_translated_once() -> None:
    """A cell repeated across notebooks (the parameters, the prediction's preface, the model-loading comments) reads the
    same in every Arabic notebook: the same English cell, or code comment, has one Arabic."""
    cells, comments = {}, {}
    for notebook in translate.english_notebooks():
        code = {cell.id for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"}
        for cell_id, entry in translate.load_catalog(translate.catalog_path(notebook)).items():
            where = f"{translate.name(notebook)}:{cell_id}"
            if cells.setdefault(entry["en"], (entry["ar"], where))[0] != entry["ar"]:
                raise AssertionError(f"{where} translates the English of {cells[entry['en']][1]} differently")
            if cell_id in code:
                for english, arabic in zip(translate.comments(entry["en"]), translate.comments(entry["ar"]), strict=True):
                    known = comments.setdefault(english, (arabic, where))
                    assert known[0] == arabic, f"{where}: {english!r} is translated as in {known[1]}, and as {arabic!r}"
