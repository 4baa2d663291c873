"""Notebook 18's task: capitals whose answers a rule can check (`data/capitals.tsv`), the rule, and the answer a
majority vote counts."""

from __future__ import annotations

import re
from collections import Counter

from helpers import DATA_DIR


def capitals() -> list[tuple[str, list[str]]]:
    """Each country of `data/capitals.tsv` with its capital's accepted spellings."""
    rows = (DATA_DIR / "capitals.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(country, capital.split("|")) for country, capital in (row.split("\t") for row in rows)]


def is_right(reply: str, spellings: list[str]) -> bool:
    """Whether the reply names the capital, in one of its spellings, as a whole word and in any letter case."""
    return any(re.search(rf"\b{re.escape(spelling)}\b", reply, re.IGNORECASE) for spelling in spellings)


def answer_of(reply: str, country: str) -> str:
    """The name a reply gives as its answer: the last run of capitalised words in its first sentence that is not the
    country's own name ("" when there is none)."""
    first = re.split(r"[.!?\n]", reply.strip(), maxsplit=1)[0]
    names, run = [], []
    for token in [*re.findall(r"[\w'-]+|[^\w\s]", first), "."]:  # a word, or a mark that ends a run
        if token[0].isupper():
            run.append(token)
        elif run:
            names.append(" ".join(run))
            run = []
    names = [name for name in names if name.casefold() != country.casefold()]
    return names[-1] if names else ""


def vote(answers: list[str]) -> str:
    """The answer given most often, ties going to the one given first ("" when every answer is empty)."""
    counts = Counter(answer for answer in answers if answer)
    return counts.most_common(1)[0][0] if counts else ""
