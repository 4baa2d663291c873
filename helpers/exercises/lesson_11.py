"""Lesson 11's exercise (a logits processor of your own, checked) and predict-then-run question."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from transformers import LogitsProcessor, set_seed

from helpers.exercises import Exercise, Fail, Prediction, Runner, text
from helpers.language import Message, message

DIGIT_PROMPTS = ["The Berlin Wall fell in the year", "Count with me: one, two,"]


SHIFT = -1000.0  # added to every score: no probability or greedy choice changes, so a right processor's text stays


@contextlib.contextmanager
def shifted_scores(model) -> Iterator[None]:
    """Every next-token score the model gives lowered by the same amount inside the block (a hook on its output layer)."""
    handle = model.get_output_embeddings().register_forward_hook(lambda module, inputs, output: output + SHIFT)
    try:
        yield
    finally:
        handle.remove()


def check_digits_only(call: Runner, model, tokenizer) -> Message:
    """The new text has no character but digits and spaces, and stays the same when every score is lowered by the same
    amount (which changes no probability): a processor that only lowers what it bans below some value cannot pass."""
    texts = []
    for prompt in DIGIT_PROMPTS:
        got = text(call(model, tokenizer, prompt), call.name)
        odd = sorted({character for character in got if not (character.isdigit() or character.isspace())})
        if odd:
            raise Fail("for {prompt!r} your text is {got!r}, with characters that are not digits: {odd!r}.",
                       prompt=prompt, got=got, odd="".join(odd))
        with shifted_scores(model):
            lowered = text(call(model, tokenizer, prompt), call.name)
        if lowered != got:
            raise Fail("for {prompt!r} your text is {got!r}, but {lowered!r} when every score is {shift:g} lower, which "
                       "changes no token's probability: the tokens you ban are not out of reach.", prompt=prompt,
                       got=got, lowered=lowered, shift=SHIFT)
        texts.append(got)
    return message("your texts, {texts}, hold only digits, and stay the same when every score is {shift:g} lower: "
                   "the tokens you ban are out of reach at any score.", texts=", ".join(map(repr, texts)), shift=SHIFT)


class Ban(LogitsProcessor):
    """Sets one token's score to -inf at every step."""

    def __init__(self, token: int) -> None:
        self.token = token

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return scores.index_fill(1, torch.tensor([self.token], device=scores.device), float("-inf"))


def sampling_a_banned_token(model, tokenizer) -> tuple[Any, Message]:
    """Whether sampling ever picks, as its first new token, the greedy choice after that token is set to -inf."""
    inputs = tokenizer("Once upon a time", return_tensors="pt").to(model.device)
    first = model.generate(**inputs, max_new_tokens=1, do_sample=False)[0, -1].item()
    picked = set()
    for seed in range(20):
        set_seed(seed)
        output = model.generate(**inputs, max_new_tokens=1, do_sample=True, temperature=2.0, top_k=0,
                                logits_processor=[Ban(first)])
        picked.add(output[0, -1].item())
    return first in picked, message("{count} different first tokens in 20 hot samples, never the banned one: a score "
                                    "of -inf has probability exp(-inf) = 0 after the softmax, at any temperature.",
                                    count=len(picked))


EXERCISES = [
    Exercise("digits_only", check_digits_only, fix="~mask", hints=(
        "print which tokens end up at -inf after __call__: the ones you meant to allow, or all the others?",
        "masked_fill fills where the mask is True: fill where it is False, scores.masked_fill(~mask, float('-inf')).")),
]

PREDICTIONS = [
    Prediction("Predict: a logits processor sets the most likely first token's score to -inf. Sampling at temperature 2 "
               "with top-k off, 20 times: will any sample pick that token? Answer True or False.",
               sampling_a_banned_token),
]
