"""What the helpers say to a learner is a template with a translation: every template in the exercises, the explorers,
the doctor, the server helper and the pitfall report has an Arabic one with the same fields and the glossary's terms,
none is an f-string (which cannot be translated), and no translation is left over from a template that is gone."""

from __future__ import annotations

import ast
import string
import sys
from pathlib import Path

import pytest

from helpers.language import CATALOGS, LANGUAGES, catalog, message, say

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import translate  # noqa: E402  (scripts/translate.py: the glossary check)

SOURCES = sorted([*(ROOT / "helpers" / "exercises").glob("*.py"), *(ROOT / "helpers" / "explorers").glob("*.py"),
                  *(ROOT / "helpers" / name for name in ("doctor.py", "server.py", "pitfalls.py"))])
# Calls whose arguments at these positions are learner-facing templates (a doctor's finding has four: its name, why,
# fix and lesson).
TEMPLATE_ARGUMENTS = {"Fail": (0,), "message": (0,), "Message": (0,), "Prediction": (0,), "say": (1,), "feedback": (1,),
                      "pitfall": (0, 1, 2, 3), "_cannot": (0, 1), "ServerError": (0,)}


def strings_said(path: Path) -> tuple[list[str], list[str]]:
    """The templates a helper module says to learners, and the f-strings found where a template belongs (by line)."""
    templates, fstrings = [], []

    def collect(node: ast.AST | None) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            templates.append(node.value)
        elif isinstance(node, ast.IfExp):
            collect(node.body)
            collect(node.orelse)
        elif isinstance(node, ast.JoinedStr):
            fstrings.append(f"{path.name}:{node.lineno}")

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            for position in TEMPLATE_ARGUMENTS.get(name, ()):
                if len(node.args) > position:
                    collect(node.args[position])
            for keyword in node.keywords if name == "Exercise" else ():
                if keyword.arg == "hints":
                    for hint in keyword.value.elts:
                        collect(hint)
        if isinstance(node, ast.FunctionDef) and node.name.startswith("check_"):
            for returned in ast.walk(node):
                if isinstance(returned, ast.Return):
                    collect(returned.value)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts:
            collect(node.value.elts[-1])  # a prediction's experiment returns (what happened, why)
    return templates, fstrings


TEMPLATES = {template: path.name for path in SOURCES for template in strings_said(path)[0]}


def fields(template: str) -> set[str]:
    """The names of a template's fields."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_learner_facing_text_is_templates_not_fstrings() -> None:
    """An f-string cannot be looked up in a catalog: feedback, hints and labels are templates with named fields."""
    found = [where for path in SOURCES for where in strings_said(path)[1]]
    assert not found, f"f-strings where a template belongs (use message()/Fail() with fields): {found}"
    assert len(TEMPLATES) > 100  # the scan finds the checks' messages, not nothing


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_template_has_a_translation_with_the_same_fields(language: str) -> None:
    """Each template is translated, with exactly its fields, using the glossary's terms; no translation is orphaned."""
    translations = catalog(language)
    missing = [f"{where}: {template!r}" for template, where in TEMPLATES.items() if template not in translations]
    assert not missing, f"{len(missing)} templates have no entry in {CATALOGS / language}/:\n" + "\n".join(missing[:10])
    different = [template for template in TEMPLATES if fields(translations[template]) != fields(template)]
    assert not different, f"translations whose fields differ from the English: {different[:5]}"
    orphaned = [template for template in translations if template not in TEMPLATES]
    assert not orphaned, f"translations of templates no helper says any more: {orphaned[:5]}"
    terms = translate.glossary()
    misses = {template: translate.glossary_misses(template, translations[template], terms) for template in TEMPLATES}
    assert not any(misses.values()), {template: miss for template, miss in misses.items() if miss}


def test_no_template_is_translated_twice_differently() -> None:
    """The catalog files of a language merge into one: a template in two of them must say the same in both."""
    import yaml

    seen: dict[str, tuple[str, str]] = {}
    for path in sorted(CATALOGS.glob("*/*.yaml")):
        for template, translation in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            key = f"{path.parent.name}: {template}"
            assert seen.setdefault(key, (translation, path.name))[0] == translation, (key, seen[key][1], path.name)


def test_a_message_is_said_in_the_language_asked_with_its_fields_inside() -> None:
    """A message's fields, messages included, are said in the reader's language; English is the template itself."""
    inner = message("None (is a `return` missing?)")
    outer = message("{name} returned {kind}; it should return a str.", name="my_function", kind=inner)
    assert outer.say("en") == "my_function returned None (is a `return` missing?); it should return a str."
    arabic = outer.say("ar")
    assert "my_function" in arabic and catalog("ar")[inner.template] in arabic and arabic != outer.say("en")
    with pytest.raises(ValueError, match="choose one of en, ar"):
        say("fr", "Hint {level}: {hint}", level=1, hint="x")


def test_what_a_learner_reads_in_arabic_is_laid_out_right_to_left() -> None:
    """Arabic feedback, hints and predictions show inside a right-to-left isolate in plain text (a print, an output
    area) and as a right-to-left block in a notebook's rich display; English shows as it is, plain text only."""
    from helpers.exercises import exercises_for, predictions_for
    from helpers.language import END_ISOLATE, ISOLATE_RTL

    arabic, english = exercises_for("03", language="ar")[0].hint(1), exercises_for("03")[0].hint(1)
    assert repr(arabic) == f"{ISOLATE_RTL}{arabic.text}{END_ISOLATE}" and arabic.text.startswith(catalog("ar")["Hint {level}: {hint}"][:5])
    assert '<div dir="rtl"' in arabic._repr_html_() and arabic.text.split(":")[0] in arabic._repr_html_()
    assert repr(english) == english.text and english._repr_html_() is None
    question = predictions_for("04", language="ar")[0]
    assert str(question).startswith(ISOLATE_RTL) and str(question).endswith(END_ISOLATE) and '<div dir="rtl"' in question._repr_html_()
    assert predictions_for("04")[0]._repr_html_() is None
