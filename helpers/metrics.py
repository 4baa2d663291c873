"""Numbers that summarise generated text: how repetitive one sample is, how diverse a set of samples is."""

from __future__ import annotations

from collections.abc import Sequence


def distinct_n(tokens: Sequence[int], n: int = 2) -> float:
    """The fraction of a sequence's n-grams that are distinct (1.0: no repetition; low: loops)."""
    grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 1.0


def diversity(samples: Sequence[Sequence[int]], n: int = 2) -> float:
    """distinct-n over the n-grams of all samples pooled: how much the samples differ from one another."""
    grams = [tuple(s[i : i + n]) for s in samples for i in range(len(s) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 1.0
