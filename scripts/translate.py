"""The Arabic edition, generated: `python scripts/translate.py [--check | --status | --accept NOTEBOOK:CELL ...]`.

`notebooks/ar/` is written from the executed English notebooks (lessons and solutions) and one translation catalog
per notebook, `translations/ar/<same path>.yaml`, keyed by cell id. An entry holds the English text it translates
(`en`), that text's hash, the Arabic (`ar`) and the hash of the Arabic last accepted as its translation (`ar_hash`):
markdown cells in full, code cells where a comment explains something (the Arabic keeps the code and changes only its
comments). Everything else, code and outputs included, is copied, so the Arabic edition needs no execution of its own
and cannot disagree with the English one; the parameters cell alone differs, with `LANGUAGE = "ar"`, so that exercise
feedback, hints and explorer labels are said in Arabic when run.

With no option, the script adds an entry (Arabic empty) for every new cell, drops the entries of removed cells, records
the Arabic of every current entry as accepted, and writes notebooks/ar/; a cell whose translation is missing, stale or
unusable shows its current English there, under an Arabic note that it awaits translation. `--status` lists those
cells (stale ones with the English diff), each with the command that finishes it. `--check` reports them too, and
fails only on an unusable translation or when notebooks/ar/ is not what the catalogs give. After updating a stale
entry's Arabic, `--accept 06_length_control:c01` records the English it now translates and prints the Arabic it
accepts; it refuses Arabic unchanged since it was last accepted unless `--unchanged-meaning` (a typo fixed in English).
"""

from __future__ import annotations

import argparse
import copy
import difflib
import functools
import hashlib
import io
import re
import sys
import textwrap
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import colab  # noqa: E402  (scripts/colab.py)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LANGUAGE = "ar"
EDITION = NOTEBOOKS / LANGUAGE
CATALOGS = ROOT / "translations" / LANGUAGE
NBVAL_MARKER = re.compile(r"#\s*NBVAL_[A-Z_]+\s*$")
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
# Inline code may wrap onto the next line, never past a blank one (a paragraph's end).
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.DOTALL)
# Latin text that a right-to-left paragraph would scramble: a version (4.x, v4.62.0), a name with symbols (C++, x86-64),
# digits next to letters (0xF1, float32). Isolated left-to-right; a plain word (Python) reads in order anyway.
LATIN_RUN = re.compile(r"(?<![\w.+#/-])[A-Za-z0-9]+(?:[.+#_/-]+[A-Za-z0-9]+)*\+*(?![\w+#/-])")
# What the Latin isolation leaves alone: inline code (isolated already), HTML tags, link targets, addresses.
NOT_LATIN_TEXT = re.compile(r'<span dir="ltr">.*?</span>|<[^>]*>|\]\([^)]*\)|https?://\S+', re.DOTALL)
SPEAK_ENGLISH = 'LANGUAGE = "en"'  # the parameter that makes the helpers speak the notebook's language
RTL_OPEN, RTL_CLOSE = '<div dir="rtl">', "</div>"
LTR_OPEN = '<div dir="ltr" lang="en">'  # the English of a cell awaiting translation (closed by RTL_CLOSE's </div>)
WRAPPERS = (RTL_OPEN, LTR_OPEN, RTL_CLOSE)  # the lines that set a block's direction (the book's RTL page drops them)
AWAITING = "هذه الخلية بانتظار الترجمة"  # "this cell awaits translation": the mark on a cell shown in English
AWAITING_NOTE = f"> **{AWAITING}:** نصّها الإنجليزي الحالي معروض أدناه حتى تُكتب ترجمتها العربية أو تُحدَّث."
AWAITING_COMMENT = f"# {AWAITING}: تعليقاتها بالإنجليزية حتى تُكتب ترجمتها العربية أو تُحدَّث."
ACCEPT = ".venv/bin/python scripts/translate.py --accept"
RELATIVE_LINK = re.compile(r"\]\((?!https?:|#|mailto:)([^)\s]+)\)")
GLOSSARY = CATALOGS / "glossary.yaml"
NOT_PROSE = re.compile(r"(```|~~~).*?\1|`[^`]*`|\]\([^)]*\)|<[^>]*>|https?://\S+|\{[^{}\s]*\}", re.DOTALL)
DIACRITICS = re.compile("[\u0640\u064b-\u065f\u0670]")
HAMZA_FORMS = str.maketrans("أإآ", "ااا")


@dataclass(frozen=True)
class Problem:
    """A cell whose translation is missing, stale or unusable."""

    notebook: str
    cell: str
    kind: str  # "missing", "stale" or "invalid"
    detail: str = ""

    def __str__(self) -> str:
        what = {"missing": "has no Arabic translation", "stale": "changed in English since it was translated",
                "invalid": "has an unusable translation"}[self.kind]
        return f"{self.notebook} cell {self.cell} {what}" + (f":\n{self.detail}" if self.detail else "")

    def todo(self) -> str:
        """What finishes the cell: where to write its Arabic, then the exact command."""
        catalog = f"translations/{LANGUAGE}/{self.notebook}.yaml"
        if self.kind == "stale":
            return f"update its `ar` in {catalog}, then run: {ACCEPT} {self.notebook}:{self.cell}"
        return f"{'write' if self.kind == 'missing' else 'fix'} its `ar` in {catalog}, then run: make translate"


def english_notebooks() -> list[Path]:
    """Every lesson and solution notebook, in lesson order."""
    return [*sorted(NOTEBOOKS.glob("[0-9]*.ipynb")), *sorted(NOTEBOOKS.glob("solutions/[0-9]*.ipynb"))]


def name(notebook: Path) -> str:
    """The notebook's path under notebooks/, without its suffix (how --accept and the messages name it)."""
    return notebook.relative_to(NOTEBOOKS).with_suffix("").as_posix()


def catalog_path(notebook: Path) -> Path:
    """The translation catalog of an English notebook."""
    return (CATALOGS / notebook.relative_to(NOTEBOOKS)).with_suffix(".yaml")


def edition_path(notebook: Path) -> Path:
    """Where the Arabic twin of an English notebook is written."""
    return EDITION / notebook.relative_to(NOTEBOOKS)


def translated_part(cell_type: str, source: str) -> str:
    """What a translation follows of a cell: a code cell's comments; a markdown cell's text, its Colab badge aside
    (the generator writes the edition's own badge, so a new repository address stales no translation)."""
    if cell_type == "code":
        return "\n".join(comments(source))
    return colab.BADGE_LINK.sub("[![Open in Colab]]", source)


def source_hash(cell_type: str, source: str) -> str:
    """A short, stable hash of what a translation follows of a cell's English source."""
    return hashlib.sha256(translated_part(cell_type, source).encode()).hexdigest()[:16]


def arabic_hash(text: str) -> str:
    """A short hash of an entry's Arabic, whitespace aside: what `--accept` compares to the Arabic last accepted."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


def accepted_entry(english_hash: str, english: str, arabic: str) -> dict[str, str]:
    """A catalog entry whose Arabic is accepted as translating its English (`ar_hash` empty while there is none)."""
    return {"hash": english_hash, "ar_hash": arabic_hash(arabic) if arabic.strip() else "", "en": english, "ar": arabic}


def with_comments(code: str, translated: list[str]) -> str:
    """The code with its comments, in order, replaced by the translated ones (a comment always ends its line)."""
    lines = code.split("\n")
    for token, comment in zip((t for t in python_tokens(code) if t.type == tokenize.COMMENT), translated, strict=True):
        row, column = token.start
        lines[row - 1] = lines[row - 1][:column] + comment
    return "\n".join(lines)


def comments(code: str) -> list[str]:
    """The comment tokens of some Python code (as written, `#` included)."""
    return [token.string for token in python_tokens(code) if token.type == tokenize.COMMENT]


def python_tokens(code: str) -> list[tokenize.TokenInfo]:
    """The tokens of some Python code."""
    return list(tokenize.generate_tokens(io.StringIO(code).readline))


def without_comments(code: str) -> list[tuple[int, str]]:
    """The code's tokens with its comments left out: what a translation of its comments must not change."""
    return [(token.type, token.string) for token in python_tokens(code)
            if token.type not in (tokenize.COMMENT, tokenize.NL)]


def nbval_markers(code: str) -> list[str]:
    """The comments of some code that are nbval's markers: instructions to the test runner, not prose."""
    return [comment for comment in comments(code) if NBVAL_MARKER.match(comment)]


def needs_translation(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell has prose: markdown, or code with a comment other than nbval's markers."""
    return cell.cell_type == "markdown" or (
        cell.cell_type == "code" and len(comments(cell.source)) > len(nbval_markers(cell.source)))


def load_catalog(path: Path) -> dict[str, dict[str, str]]:
    """A catalog's entries by cell id (empty when there is no catalog yet)."""
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


class _Dumper(yaml.SafeDumper):
    """YAML with multi-line text as literal blocks, so that a translator reads and edits it as text."""


_Dumper.add_representer(str, lambda dumper, text: dumper.represent_scalar(
    "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


def dump_catalog(entries: dict[str, dict[str, str]], notebook: Path) -> str:
    """A catalog file's text: a header naming its notebook, then one entry per cell in notebook order."""
    header = (f"# Arabic translation of notebooks/{notebook.relative_to(NOTEBOOKS).as_posix()}, by cell id: `en` is\n"
              "# the English it translates, `hash` that text's hash, `ar_hash` the hash of the Arabic last accepted.\n"
              "# See CONTRIBUTING.md (Translating).\n")
    return header + yaml.dump(entries, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)


def english_diff(old: str, new: str) -> str:
    """How a cell's English changed since it was translated, as a unified diff."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), "translated", "now", lineterm="", n=1)
    return "\n".join(f"    {line}" for line in lines)


def translates(cell: nbformat.NotebookNode, entry: dict[str, str]) -> bool:
    """Whether an entry's English is what a translation follows of the cell's current English."""
    english = entry.get("en") or ""
    return (entry.get("hash") == source_hash(cell.cell_type, cell.source)
            and translated_part(cell.cell_type, english) == translated_part(cell.cell_type, cell.source))


def check_entry(notebook: Path, cell: nbformat.NotebookNode, entry: dict[str, str] | None) -> Problem | None:
    """What is wrong with one cell's translation, if anything."""
    where = name(notebook), cell.id
    if not entry or not (entry.get("ar") or "").strip():
        return Problem(*where, "missing")
    english = entry.get("en") or ""
    if not translates(cell, entry):
        diff = english_diff(english, cell.source) or "    its hash is not its English's (edited by hand?): --accept it"
        return Problem(*where, "stale", diff)
    if cell.cell_type == "markdown" and (misses := glossary_misses(cell.source, entry["ar"], glossary())):
        return Problem(*where, "invalid", f"    the Arabic does not use the glossary's term for {', '.join(misses)}")
    if cell.cell_type == "markdown" and (twice := repeated_passage(cell.source, entry["ar"])):
        return Problem(*where, "invalid", f"    the Arabic says a passage twice that the English says once: {twice[:70]}…")
    if cell.cell_type == "code":
        try:
            same_code = without_comments(entry["ar"]) == without_comments(english)
            same_markers = nbval_markers(entry["ar"]) == nbval_markers(english)
        except (tokenize.TokenError, IndentationError, SyntaxError) as error:
            return Problem(*where, "invalid", f"    the Arabic does not tokenize as Python: {error}")
        if not same_code:
            return Problem(*where, "invalid", "    the Arabic changes the code itself: only its comments may change")
        if not same_markers:
            return Problem(*where, "invalid", "    the Arabic changes an nbval marker: keep them as they are")
    return None


def passages(text: str) -> list[str]:
    """A markdown text's paragraphs and list items of 60 characters or more, each with its white space folded."""
    folded = (" ".join(block.split()) for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.) )", text))
    return [block for block in folded if len(block) >= 60]


def repeated_passage(english: str, arabic: str) -> str | None:
    """A passage the Arabic holds twice where the English holds each of its own once (a translation pasted twice)."""
    own = passages(english)
    if len(set(own)) < len(own):
        return None
    seen: set[str] = set()
    return next((passage for passage in passages(arabic) if passage in seen or seen.add(passage)), None)


@functools.cache
def glossary() -> list[dict]:
    """The glossary's entries: an English term, the pattern that finds it, the Arabic term and its accepted stems."""
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))


def plain_arabic(text: str) -> str:
    """Arabic text without diacritics or tatweel, its alef forms unified: how the glossary compares terms."""
    return DIACRITICS.sub("", text).translate(HAMZA_FORMS)


def glossary_misses(english: str, arabic: str, terms: list[dict]) -> list[str]:
    """The glossary terms the English prose uses and the Arabic does not render with the glossary's term, and the terms
    whose rejected renderings (`avoid`: another word for the same concept) the Arabic uses anywhere."""
    prose, rendered = NOT_PROSE.sub(" ", english), plain_arabic(NOT_PROSE.sub(" ", arabic))
    missing = [f"{term['en']} ({term['ar']})" for term in terms
               if re.search(term["match"], prose, re.IGNORECASE)
               and not any(plain_arabic(form) in rendered for form in term["forms"])]
    avoided = [f"{term['en']} ({term['ar']}, not {word})" for term in terms for word in term.get("avoid", [])
               if re.search(rf"(?<![\w]){re.escape(plain_arabic(word))}", rendered)]
    return missing + avoided


def rtl(markdown: str) -> str:
    """Arabic markdown as the edition shows it: prose in right-to-left blocks, code left-to-right inside and between."""
    parts, position = [], 0
    for fence in FENCE.finditer(markdown):
        parts += [isolated_prose(markdown[position:fence.start()]), fence.group(0)]
        position = fence.end()
    parts.append(isolated_prose(markdown[position:]))
    return "\n\n".join(part for part in parts if part)


def isolated_prose(prose: str) -> str:
    """A stretch of markdown without fenced code, in a right-to-left block with its inline code isolated left-to-right."""
    prose = prose.strip("\n")
    if not prose.strip():
        return ""
    prose = isolated_latin(INLINE_CODE.sub(lambda match: f'<span dir="ltr">{match.group(0)}</span>', prose))
    return f"{RTL_OPEN}\n\n{prose}\n\n{RTL_CLOSE}"


def isolated_latin(prose: str) -> str:
    """Prose with each Latin run that mixes letters with digits or symbols (4.x, C++, float32) isolated left-to-right,
    so that a right-to-left paragraph shows it in order rather than as x.4 or ++C."""
    def isolate(text: str) -> str:
        return LATIN_RUN.sub(lambda m: m.group(0) if m.group(0).isalpha() or not re.search("[A-Za-z]", m.group(0))
                             else f'<span dir="ltr">{m.group(0)}</span>', text)

    parts, position = [], 0
    for kept in NOT_LATIN_TEXT.finditer(prose):
        parts += [isolate(prose[position:kept.start()]), kept.group(0)]
        position = kept.end()
    return "".join(parts + [isolate(prose[position:])])


def relinked(markdown: str, notebook: Path) -> str:
    """Links rewritten for the Arabic twin's place: Colab opens the Arabic notebook, relative links still resolve."""
    markdown = colab.BADGE_LINK.sub(lambda _: colab.badge(edition_path(notebook), colab.repository()), markdown)

    def relink(match: re.Match) -> str:
        target, _, anchor = match.group(1).partition("#")
        resolved = (notebook.parent / target).resolve()
        if resolved.suffix == ".ipynb" and resolved.is_relative_to(NOTEBOOKS):
            return match.group(0)  # its Arabic twin sits at the same relative place
        relative = Path(*[".."] * len(edition_path(notebook).parent.relative_to(ROOT).parts), resolved.relative_to(ROOT))
        return f"]({relative.as_posix()}{'#' + anchor if anchor else ''})"

    return RELATIVE_LINK.sub(relink, markdown)


def arabic_notebook(notebook: Path, entries: dict[str, dict[str, str]]) -> nbformat.NotebookNode:
    """The Arabic twin of an executed English notebook: translated prose and comments, the same code and outputs."""
    english = nbformat.read(notebook, as_version=4)
    twin = copy.deepcopy(english)
    twin.metadata["language"] = LANGUAGE
    for cell in twin.cells:
        entry = entries.get(cell.id)
        if not needs_translation(cell):
            continue
        if check_entry(notebook, cell, entry):
            cell.source = awaiting(cell, notebook)  # its current English, marked, until its entry is done (--status)
        elif cell.cell_type == "markdown":
            cell.source = rtl(relinked(entry["ar"].rstrip("\n"), notebook))
        else:
            cell.source = with_comments(cell.source, comments(entry["ar"]))
    for cell in twin.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = in_the_edition(cell.source)
    return twin


def awaiting(cell: nbformat.NotebookNode, notebook: Path) -> str:
    """A cell awaiting translation as the edition shows it: its current English (left-to-right), under an Arabic note
    (a code cell: a comment line, after a cell magic) saying that it awaits translation."""
    if cell.cell_type == "code":
        lines = cell.source.split("\n")
        magic = int(lines[0].startswith("%%"))
        return "\n".join([*lines[:magic], AWAITING_COMMENT, *lines[magic:]])
    english = relinked(cell.source.strip("\n"), notebook)
    return f"{isolated_prose(AWAITING_NOTE)}\n\n{LTR_OPEN}\n\n{english}\n\n{RTL_CLOSE}"


def in_the_edition(code: str) -> str:
    """A parameters cell's code as the edition runs it: the helpers speak the edition's language."""
    return code.replace(SPEAK_ENGLISH, SPEAK_ENGLISH.replace('"en"', f'"{LANGUAGE}"'))


def memory() -> dict[str, str]:
    """Every current translation by its English text, so that a cell repeated across notebooks is translated once."""
    return {entry["en"]: entry["ar"] for notebook in english_notebooks()
            for entry in load_catalog(catalog_path(notebook)).values() if (entry.get("ar") or "").strip()}


def updated_catalog(notebook: Path, known: dict[str, str]) -> dict[str, dict[str, str]]:
    """The notebook's catalog with an entry for each new cell (Arabic from `known` or empty), none for removed cells."""
    old = load_catalog(catalog_path(notebook))
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if needs_translation(cell)]
    return {cell.id: updated_entry(cell, old.get(cell.id), known) for cell in cells}


def updated_entry(cell: nbformat.NotebookNode, old: dict[str, str] | None, known: dict[str, str]) -> dict[str, str]:
    """A cell's entry as `make translate` leaves it: a current one with its Arabic recorded as accepted (`ar_hash`),
    a stale one as it was (its `ar_hash` that of the Arabic before the English changed), an empty one following the
    English (its Arabic from `known`, else empty)."""
    if old and (old.get("ar") or "").strip():
        return accepted_entry(old["hash"], old["en"], old["ar"]) if translates(cell, old) else old
    return accepted_entry(source_hash(cell.cell_type, cell.source), cell.source, known.get(cell.source, ""))


def problems(notebook: Path) -> list[Problem]:
    """Every cell of the notebook whose translation is missing, stale or unusable."""
    entries = load_catalog(catalog_path(notebook))
    cells = nbformat.read(notebook, as_version=4).cells
    return [problem for cell in cells if needs_translation(cell)
            if (problem := check_entry(notebook, cell, entries.get(cell.id)))]


def edition_text(notebook: Path) -> str:
    """The Arabic twin as the file it is written to."""
    return nbformat.writes(arabic_notebook(notebook, load_catalog(catalog_path(notebook)))) + "\n"


def write() -> None:
    """Update every catalog with new and removed cells, then write notebooks/ar/."""
    known = memory()
    for notebook in english_notebooks():
        path = catalog_path(notebook)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = dump_catalog(updated_catalog(notebook, known), notebook)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        twin = edition_path(notebook)
        twin.parent.mkdir(parents=True, exist_ok=True)
        twin.write_text(edition_text(notebook), encoding="utf-8")
    expected = {edition_path(notebook) for notebook in english_notebooks()}
    for orphan in set(EDITION.rglob("*.ipynb")) - expected:
        orphan.unlink()


def accept(which: str, unchanged_meaning: bool = False) -> str:
    """Record that a cell's Arabic translates its current English, and say which Arabic: refused when the Arabic is the
    one last accepted (still the old English's translation) unless the English change keeps the meaning."""
    notebook_name, _, cell_id = which.partition(":")
    notebook = NOTEBOOKS / f"{notebook_name}.ipynb"
    if not notebook.is_file() or not cell_id:
        sys.exit(f"error: no notebook cell {which!r}: name it as NOTEBOOK:CELL, e.g. 06_length_control:c01.")
    cell = next((c for c in nbformat.read(notebook, as_version=4).cells if c.id == cell_id), None)
    path = catalog_path(notebook)
    entries, catalog = load_catalog(path), path.relative_to(ROOT).as_posix()
    if cell is None or cell_id not in entries:
        sys.exit(f"error: {notebook_name} has no translated cell {cell_id}: `make translate-status` lists them.")
    old = entries[cell_id]
    arabic = old.get("ar") or ""
    if not arabic.strip():
        sys.exit(f"error: {which} has no Arabic yet: write its `ar` in {catalog}, then run `make translate`.")
    same = old.get("ar_hash") == arabic_hash(arabic)
    if same and not unchanged_meaning:
        diff = english_diff(old.get("en") or "", cell.source) or "    (its English did not change: nothing to accept)"
        sys.exit(f"error: {which} not accepted: its Arabic is the one accepted for the English before this change:\n"
                 f"{diff}\nUpdate its `ar` in {catalog}, then accept it; if the change keeps the meaning (a typo "
                 f"fixed), `{ACCEPT} {which} --unchanged-meaning` accepts the Arabic as it is.")
    new = accepted_entry(source_hash(cell.cell_type, cell.source), cell.source, arabic)
    if problem := check_entry(notebook, cell, new):
        sys.exit(f"error: {which} not accepted: {problem}")
    entries[cell_id] = new
    path.write_text(dump_catalog(entries, notebook), encoding="utf-8")
    kept = " (its Arabic as it was: the English change keeps the meaning)" if same else ""
    return f"accepted {which}{kept}, as translating its current English:\n" + textwrap.indent(arabic, "    ")


def status(found: list[Problem]) -> list[str]:
    """Each cell awaiting translation (stale ones with their English diff) or unusable, with the command that finishes
    it, then the coverage: each cell with a problem is one that is not translated and current."""
    lines = [f"{problem}\n  next: {problem.todo()}" for problem in found]
    if any(problem.kind == "stale" for problem in found):
        lines.append(f"(An English change that keeps the meaning, a typo fixed: `{ACCEPT} NOTEBOOK:CELL "
                     "--unchanged-meaning` accepts the Arabic as it is.)")
    total = sum(needs_translation(cell) for notebook in english_notebooks()
                for cell in nbformat.read(notebook, as_version=4).cells)
    done = total - len(found)
    return [*lines, f"{done} of {total} cells translated ({100 * done / total:.1f} %)"]


def every_problem() -> list[Problem]:
    """The problems of every notebook, in lesson order."""
    return [problem for notebook in english_notebooks() for problem in problems(notebook)]


def awaiting_summary(found: list[Problem]) -> str:
    """One line on the cells awaiting translation (stale or missing), or nothing when none is."""
    count = sum(problem.kind != "invalid" for problem in found)
    return (f"{count} {'cell awaits' if count == 1 else 'cells await'} translation: the Arabic edition shows the "
            "English, marked; `make translate-status` lists each with the command that finishes it.") if count else ""


def out_of_date() -> list[str]:
    """The Arabic notebooks that differ from what the catalogs give, and the ones that should not be there."""
    expected = {edition_path(notebook): notebook for notebook in english_notebooks()}
    stale = [f"notebooks/{twin.relative_to(NOTEBOOKS).as_posix()} is not what the catalog gives (run `make translate`)"
             for twin, notebook in expected.items()
             if not twin.is_file() or twin.read_text(encoding="utf-8") != edition_text(notebook)]
    extra = [f"notebooks/{path.relative_to(NOTEBOOKS).as_posix()} has no English notebook"
             for path in sorted(set(EDITION.rglob("*.ipynb")) - set(expected))]
    return stale + extra


def main() -> None:
    """Write the Arabic edition, or report on it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="change nothing; report the cells awaiting translation; "
                       "exit 1 if a translation is unusable or notebooks/ar/ is not what the catalogs give")
    group.add_argument("--status", action="store_true", help="list the cells awaiting translation (stale or missing) "
                       "and the unusable ones, each with the command that finishes it, and the coverage")
    group.add_argument("--accept", nargs="+", metavar="NOTEBOOK:CELL", help="mark updated translations as current")
    parser.add_argument("--unchanged-meaning", action="store_true", help="with --accept: accept Arabic that did not "
                        "change, the English change keeping the meaning (a typo fixed)")
    args = parser.parse_args()
    if args.unchanged_meaning and not args.accept:
        parser.error("--unchanged-meaning goes with --accept")
    for which in args.accept or []:
        print(accept(which, args.unchanged_meaning))
    if args.status or args.check:
        found = every_problem()
        print("\n".join(status(found)))
        if args.check:
            unusable = sum(problem.kind == "invalid" for problem in found)
            lines = [*out_of_date(), *([f"unusable translations: {unusable}, fix them (above)"] if unusable else [])]
            if report := "\n".join(filter(None, [awaiting_summary(found), *lines])):
                print(report)
            sys.exit(1 if lines else 0)
        return
    write()
    found = every_problem()
    print("\n".join(filter(None, [status(found)[-1], awaiting_summary(found)])))


if __name__ == "__main__":
    main()
