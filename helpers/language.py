"""What the helpers say to a learner (exercise feedback and hints, predictions, explorer labels), in the notebook's
language: `say("ar", "you got {count} new tokens.", count=3)`.

A message is an English template with named fields; its English text is also the key of its translation in
`data/messages/<language>/*.yaml` (shipped in the wheel, so Colab has them). A field's value may itself be a
`Message`, said in the same language. Identifiers, numbers and the model's own text go in the fields, untranslated.
"""

from __future__ import annotations

import dataclasses
import functools
import html
from typing import Any

import yaml

from helpers import DATA_DIR

LANGUAGES = ("en", "ar")
RIGHT_TO_LEFT = {"ar"}
ISOLATE_RTL, END_ISOLATE = "\u2067", "\u2069"  # Unicode's right-to-left isolate and its end
CATALOGS = DATA_DIR / "messages"


@dataclasses.dataclass(frozen=True)
class Message:
    """An English template and the values of its fields, said in any language later."""

    template: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)

    def say(self, language: str = "en") -> str:
        """The message in a language."""
        return say(language, self.template, **self.values)

    def __str__(self) -> str:
        return self.say()


def message(template: str, /, **values: Any) -> Message:
    """A message to say later, in the language of whoever reads it."""
    return Message(template, values)


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """Every translated template of a language, by its English template."""
    entries: dict[str, str] = {}
    for path in sorted((CATALOGS / language).glob("*.yaml")):
        entries |= yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return entries


def check_language(language: str) -> str:
    """The language, or a one-line ValueError that names the languages there are."""
    if language not in LANGUAGES:
        raise ValueError(f"no language {language!r} for the workbook's messages: choose one of {', '.join(LANGUAGES)}.")
    return language


def say(language: str, template: str | Message, /, **values: Any) -> str:
    """A template (or a message) in a language, its fields filled in; English where a translation is missing."""
    if isinstance(template, Message):
        return template.say(language)
    check_language(language)
    translated = template if language == "en" else catalog(language).get(template, template)
    return translated.format(**{name: say(language, value) if isinstance(value, Message) else value
                                for name, value in values.items()})


def displayed(language: str, text: str) -> str:
    """Text as a notebook shows it in the language's direction: a right-to-left language's text inside a right-to-left
    isolate, so that its punctuation and any Latin inside land where a reader expects them even in a left-to-right
    output area (print, text/plain); other languages' text as it is."""
    return f"{ISOLATE_RTL}{text}{END_ISOLATE}" if language in RIGHT_TO_LEFT else text


def html_block(language: str, text: str) -> str | None:
    """The text as an HTML block laid out in the language's direction, for a notebook's rich display; None (plain
    text only) for a left-to-right language."""
    if language not in RIGHT_TO_LEFT:
        return None
    return f'<div dir="rtl" style="text-align: right; white-space: pre-wrap">{html.escape(text)}</div>'
