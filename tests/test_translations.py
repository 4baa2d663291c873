"""The Arabic edition: usable, generated from its catalogs (cells awaiting translation reported, not failed), and the
same lessons as the English one; the translator's own tests on a small notebook of their own."""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import translate  # noqa: E402  (scripts/translate.py)

LESSON = "01_small_lesson"
# The unit tests' own notebook (not a real lesson, so an English edit there breaks none of them): cell id, type, English,
# Arabic (None: a cell with nothing to translate).
CELLS = [
    ("title", "markdown", "# 01 · A small lesson\n\nTwo exercises follow.", "# 01 · درس صغير\n\nيليه تمرينان."),
    ("prose", "markdown", "Run the next cell and read its answer.", "شغّل الخلية التالية واقرأ إجابتها."),
    ("code", "code", "# the answer, computed\nx = 6 * 7  # forty-two\nx", "# الإجابة، محسوبة\nx = 6 * 7  # اثنان وأربعون\nx"),
    ("plain", "code", "print(x)", None),
]


@pytest.fixture
def workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small notebook of our own and its Arabic catalog, where the script's paths point, its edition generated."""
    notebooks, catalogs = tmp_path / "notebooks", tmp_path / "translations" / "ar"
    catalogs.mkdir(parents=True)
    for constant, value in {"ROOT": tmp_path, "NOTEBOOKS": notebooks, "CATALOGS": catalogs,
                            "EDITION": notebooks / "ar"}.items():
        monkeypatch.setattr(translate, constant, value)
    output = nbformat.v4.new_output("execute_result", data={"text/plain": "42"}, execution_count=1)
    cells = [nbformat.v4.new_markdown_cell(english, id=cell_id) if kind == "markdown" else
             nbformat.v4.new_code_cell(english, id=cell_id, execution_count=1, outputs=[output])
             for cell_id, kind, english, _ in CELLS]
    notebook = notebooks / f"{LESSON}.ipynb"
    (notebooks / "ar").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    entries = {cell_id: translate.accepted_entry(translate.source_hash(kind, english), english, arabic)
               for cell_id, kind, english, arabic in CELLS if arabic}
    translate.catalog_path(notebook).write_text(translate.dump_catalog(entries, notebook), encoding="utf-8")
    translate.write()
    assert translate.problems(notebook) == [] and not translate.out_of_date()
    return notebook


def edit(notebook: Path, cell_id: str, change: Callable[[str], str]) -> nbformat.NotebookNode:
    """Change one cell's source in a notebook file; return the cell."""
    content = nbformat.read(notebook, as_version=4)
    cell = next(cell for cell in content.cells if cell.id == cell_id)
    cell.source = change(cell.source)
    nbformat.write(content, notebook)
    return cell


def set_arabic(notebook: Path, cell_id: str, arabic: str) -> None:
    """Write a cell's Arabic into its catalog entry, as a translator does."""
    entries = translate.load_catalog(translate.catalog_path(notebook))
    entries[cell_id]["ar"] = arabic
    translate.catalog_path(notebook).write_text(translate.dump_catalog(entries, notebook), encoding="utf-8")


def generated(notebook: Path, cell_id: str) -> str:
    """A cell's source in the Arabic notebook written to notebooks/ar/."""
    return next(c.source for c in nbformat.read(translate.edition_path(notebook), as_version=4).cells if c.id == cell_id)


def check(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`translate.py --check`: its exit status and what it prints."""
    monkeypatch.setattr(sys, "argv", ["translate.py", "--check"])
    with pytest.raises(SystemExit) as exit_:
        translate.main()
    return exit_.value.code, capsys.readouterr().out


def test_no_translation_is_unusable_and_cells_awaiting_one_are_reported() -> None:
    """CI passes while cells await translation (stale or missing: the edition shows their English, marked), and
    reports them here as a warning with the command that finishes each; an unusable translation fails it."""
    found = translate.every_problem()
    unusable = [str(problem) for problem in found if problem.kind == "invalid"]
    assert not unusable, f"{len(unusable)} translations are unusable:\n" + "\n".join(unusable[:5])
    if awaiting := [f"{problem}\n  next: {problem.todo()}" for problem in found]:
        warnings.warn("\n".join([translate.awaiting_summary(found), *awaiting]), stacklevel=1)


def test_the_arabic_edition_is_what_the_catalogs_give() -> None:
    """notebooks/ar/ holds exactly the generated twins: `make translate` was run after the last change."""
    stale = translate.out_of_date()
    assert not stale, "run `make translate` (it rewrites notebooks/ar/ from the catalogs), then commit:\n" + "\n".join(stale)


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


def test_an_edited_english_cell_shows_its_new_english_marked_until_its_arabic_is_accepted(workbook: Path) -> None:
    """After an English edit the cell is stale (the report shows the diff and the exact command) and the edition shows
    the new English, left to right, under the Arabic mark; once its Arabic is updated and accepted the mark is gone."""
    edit(workbook, "prose", lambda source: source + " Then run it again.")
    (problem,) = translate.problems(workbook)
    assert (problem.cell, problem.kind) == ("prose", "stale") and "+Run the next cell and read its answer. Then" in problem.detail
    assert problem.todo() == (f"update its `ar` in translations/ar/{LESSON}.yaml, then run: "
                              f".venv/bin/python scripts/translate.py --accept {LESSON}:prose")
    translate.write()
    shown = generated(workbook, "prose")
    assert shown == (f'<div dir="rtl">\n\n{translate.AWAITING_NOTE}\n\n</div>\n\n<div dir="ltr" lang="en">\n\n'
                     "Run the next cell and read its answer. Then run it again.\n\n</div>")
    assert not translate.out_of_date() and translate.AWAITING not in generated(workbook, "title")
    set_arabic(workbook, "prose", "شغّل الخلية التالية واقرأ إجابتها، ثم شغّلها مرة أخرى.")
    assert "شغّلها مرة أخرى" in translate.accept(f"{LESSON}:prose")  # it prints the Arabic it accepts
    translate.write()
    assert translate.problems(workbook) == [] and translate.AWAITING not in generated(workbook, "prose")
    assert generated(workbook, "prose").startswith('<div dir="rtl">\n\nشغّل الخلية التالية')


def test_accept_refuses_arabic_that_did_not_change_unless_the_meaning_did_not(workbook: Path) -> None:
    """--accept will not approve the Arabic of the old English ("one exercise" for "Two exercises") blindly: it
    refuses until the Arabic changes, or until told that the English change keeps the meaning (a typo fixed)."""
    before = translate.catalog_path(workbook).read_text(encoding="utf-8")
    edit(workbook, "title", lambda source: source.replace("Two exercises", "Three exercises"))
    translate.write()
    with pytest.raises(SystemExit, match="--unchanged-meaning") as refused:
        translate.accept(f"{LESSON}:title")
    assert "+Three exercises follow." in str(refused.value)
    assert translate.catalog_path(workbook).read_text(encoding="utf-8") == before  # nothing recorded
    edit(workbook, "prose", lambda source: source.replace("read", "raed"))  # a typo: the Arabic still says it
    assert "اقرأ إجابتها" in translate.accept(f"{LESSON}:prose", unchanged_meaning=True)
    assert [problem.cell for problem in translate.problems(workbook)] == ["title"]
    with pytest.raises(SystemExit, match="nothing to accept"):
        translate.accept(f"{LESSON}:prose")


def test_make_translate_records_the_accepted_arabic_of_current_entries_only(workbook: Path) -> None:
    """A current entry gets `ar_hash`, its Arabic's, added (the migration: meaning unchanged); a stale one keeps the
    one of the Arabic it had before the English changed, so that --accept can tell whether the Arabic was updated."""
    catalog = translate.catalog_path(workbook)
    entries = translate.load_catalog(catalog)
    legacy = {cell_id: {key: value for key, value in entry.items() if key != "ar_hash"} for cell_id, entry in entries.items()}
    catalog.write_text(translate.dump_catalog(legacy, workbook), encoding="utf-8")
    translate.write()
    assert translate.load_catalog(catalog) == entries and entries["title"]["ar_hash"] == translate.arabic_hash(
        "# 01 · درس صغير\n\nيليه تمرينان.")
    edit(workbook, "title", lambda source: source.replace("Two", "Three"))
    set_arabic(workbook, "title", "# 01 · درس صغير\n\nيليه ثلاثة تمارين.")
    translate.write()
    assert translate.load_catalog(catalog)["title"]["ar_hash"] == entries["title"]["ar_hash"]
    assert "ثلاثة تمارين" in translate.accept(f"{LESSON}:title")
    assert translate.load_catalog(catalog)["title"]["ar_hash"] == translate.arabic_hash("# 01 · درس صغير\n\nيليه ثلاثة تمارين.")


def test_a_new_cell_shows_its_english_marked_until_one_is_written(workbook: Path) -> None:
    """A cell added in English gets an empty catalog entry, is reported missing (write its Arabic, then `make
    translate`) and shows marked English; removed cells leave the catalog."""
    content = nbformat.read(workbook, as_version=4)
    new = nbformat.v4.new_markdown_cell("A new paragraph.", id="new")
    content.cells = [new if cell.id == "prose" else cell for cell in content.cells]
    nbformat.write(content, workbook)
    translate.write()
    entries = translate.load_catalog(translate.catalog_path(workbook))
    assert "prose" not in entries and entries["new"] == {
        "hash": translate.source_hash("markdown", "A new paragraph."), "ar_hash": "", "en": "A new paragraph.", "ar": ""}
    (problem,) = translate.problems(workbook)
    assert (problem.cell, problem.kind) == ("new", "missing") and problem.todo().endswith("then run: make translate")
    assert translate.AWAITING in generated(workbook, "new") and "\n\nA new paragraph.\n\n</div>" in generated(workbook, "new")
    with pytest.raises(SystemExit, match="no Arabic yet"):
        translate.accept(f"{LESSON}:new")
    set_arabic(workbook, "new", "فقرة جديدة.")
    translate.write()
    assert translate.problems(workbook) == [] and generated(workbook, "new") == '<div dir="rtl">\n\nفقرة جديدة.\n\n</div>'
    assert translate.load_catalog(translate.catalog_path(workbook))["new"]["ar_hash"] == translate.arabic_hash("فقرة جديدة.")


def test_a_code_cell_translates_its_comments_only(workbook: Path) -> None:
    """A code cell's translation may change comments alone; a change of the code without its comments stales nothing;
    a stale one shows the English code and comments, under an Arabic comment line saying it awaits translation."""
    catalog = translate.catalog_path(workbook)
    entries = translate.load_catalog(catalog)
    arabic = entries["code"]["ar"]
    for broken in (arabic.replace("6 * 7", "6 * 8"), arabic + "\n# NBVAL_SKIP"):
        catalog.write_text(translate.dump_catalog({**entries, "code": {**entries["code"], "ar": broken}}, workbook))
        assert [p.kind for p in translate.problems(workbook)] == ["invalid"], broken
    catalog.write_text(translate.dump_catalog(entries, workbook))
    edited = edit(workbook, "code", lambda source: source + "\nprint('added')")
    assert translate.problems(workbook) == []
    translate.write()
    assert generated(workbook, "code") == "# الإجابة، محسوبة\nx = 6 * 7  # اثنان وأربعون\nx\nprint('added')"
    edit(workbook, "code", lambda source: source.replace("# forty-two", "# six times seven"))
    translate.write()
    assert generated(workbook, "code") == f"{translate.AWAITING_COMMENT}\n{edited.source.replace('forty-two', 'six times seven')}"
    twin = nbformat.read(translate.edition_path(workbook), as_version=4).cells[2]
    assert twin.outputs[0]["data"] == {"text/plain": "42"}
    magic = nbformat.v4.new_code_cell("%%time\nx = 1  # one", id="magic")
    assert translate.awaiting(magic, workbook) == f"%%time\n{translate.AWAITING_COMMENT}\nx = 1  # one"


def test_check_reports_cells_awaiting_translation_and_fails_on_unusable_ones(
        workbook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--check (CI's view) passes with a stale or missing cell, listing it with its command; it fails on an unusable
    translation, and when notebooks/ar/ is not what the catalogs give, naming `make translate`."""
    edit(workbook, "prose", lambda source: source + " Then run it again.")
    translate.write()
    code, printed = check(monkeypatch, capsys)
    assert code == 0 and f"--accept {LESSON}:prose" in printed and "1 cell awaits translation" in printed
    assert "2 of 3 cells translated (66.7 %)" in printed
    set_arabic(workbook, "code", "# الإجابة\nx = 6 * 8  # اثنان وأربعون\nx")
    translate.write()
    code, printed = check(monkeypatch, capsys)
    assert code == 1 and "changes the code itself" in printed and "unusable translations: 1" in printed
    set_arabic(workbook, "code", CELLS[2][3])
    edit(workbook, "plain", lambda source: "print(x + 1)")
    code, printed = check(monkeypatch, capsys)
    assert code == 1 and "is not what the catalog gives (run `make translate`)" in printed


def test_the_glossary_term_is_required_where_the_english_uses_the_concept() -> None:
    """A translation that renders 'attention mask' without قناع الانتباه is caught; code and links are not prose."""
    terms = translate.glossary()
    assert translate.glossary_misses("Pass the attention mask.", "مرِّر القناع.", terms) == [
        "attention mask (قناع الانتباه)"]
    assert translate.glossary_misses("Pass the attention mask.", "مرِّر قناعَ الانتباه.", terms) == []  # diacritics aside
    assert translate.glossary_misses("Call `tokenizer.pad()` [here](padding.ipynb).", "استدعِ الدالة.", terms) == []
    for term in terms:
        assert any(translate.plain_arabic(form) in translate.plain_arabic(term["ar"]) for form in term["forms"]), term


def test_a_passage_pasted_twice_into_the_arabic_is_unusable(workbook: Path) -> None:
    """A paragraph or list item said twice where the English says it once (a filling script run twice) fails --check."""
    passage = "شغّل الخلية التالية واقرأ إجابتها بعناية، ثم قارنها بما توقعته قبل أن تشغّلها."
    set_arabic(workbook, "prose", f"{passage}\n\n{passage}")
    [problem] = translate.problems(workbook)
    assert problem.kind == "invalid" and "says a passage twice" in str(problem)
    set_arabic(workbook, "prose", f"- {passage}\n- {passage.replace('التالية', 'الأخيرة')}")
    assert translate.problems(workbook) == []
    item = "- Run the next cell, then read what it prints before you go on to the one after it."
    assert translate.repeated_passage(f"{item}\n{item}", f"- {passage}\n- {passage}") is None  # as the English does


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


def arabic_part(source: str) -> str:
    """An Arabic notebook's markdown without the English a cell awaiting translation shows (left-to-right already)."""
    return source.split(translate.LTR_OPEN)[0]


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
                 for found in translate.LATIN_RUN.findall(translate.NOT_LATIN_TEXT.sub(" ", arabic_part(cell.source)))
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
