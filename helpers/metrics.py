"""Numbers that summarise generated text: how repetitive one sample is, how diverse a set of samples is."""

from __future__ import annotations

from collections.abc import Sequence


def _distinct_share(grams: list[tuple[int, ...]]) -> float:
    """The fraction of n-grams that are distinct (1.0 when there are none)."""
    return len(set(grams)) / len(grams) if grams else 1.0


def _ngrams(tokens: Sequence[int], n: int) -> list[tuple[int, ...]]:
    """A sequence's n-grams, in order."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def distinct_n(tokens: Sequence[int], n: int = 2) -> float:
    """The fraction of a sequence's n-grams that are distinct (1.0: no repetition; low: loops)."""
    return _distinct_share(_ngrams(tokens, n))


def diversity(samples: Sequence[Sequence[int]], n: int = 2) -> float:
    """distinct-n over the n-grams of all samples pooled: how much the samples differ from one another."""
    return _distinct_share([gram for sample in samples for gram in _ngrams(sample, n)])
