"""Lesson 10's exercise (counting the tokens a batch generated, checked) and predict-then-run question."""

from __future__ import annotations

import functools
import time
from numbers import Integral, Real
from typing import Any

import torch

from helpers.exercises import Exercise, Fail, Prediction, Runner, kind_of
from helpers.generation import eos_ids, greedy, with_pad_token
from helpers.language import Message, message

# One question with a short answer, one with a long one: the short row ends early and is padded while the other runs on.
SPEED_QUESTIONS = ["What is 2 + 2? Answer with the number only.", "Tell me a long story about a dragon who learns to fly."]


def speed_prompts(tokenizer) -> list[str]:
    """The questions as prompt texts, in the model's chat template where it has one."""
    if not tokenizer.chat_template:
        return list(SPEED_QUESTIONS)
    return [tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True, tokenize=False)
            for question in SPEED_QUESTIONS]


def generated_counts(model, tokenizer, prompts: list[str]) -> list[tuple[int, bool]]:
    """For each prompt of the left-padded greedy batch: how many tokens generate produced (its EOS included), and
    whether it ended with EOS."""
    eos = eos_ids(model, tokenizer)
    counts = []
    for row in greedy(model, tokenizer, prompts, max_new_tokens=24).tolist():
        ends = [i for i, token in enumerate(row) if token in eos]
        counts.append((ends[0] + 1, True) if ends else (len(row), False))
    return counts


def check_generation_speed(call: Runner, model, tokenizer) -> str | Message:
    """The count is the tokens the model generated (with or without each row's EOS), and the seconds are the call's."""
    tokenizer = with_pad_token(tokenizer, "left")
    prompts = speed_prompts(tokenizer)
    started = time.perf_counter()
    result = call(model, tokenizer, prompts)
    elapsed = time.perf_counter() - started
    if not (isinstance(result, tuple) and len(result) == 2):
        raise Fail("{name} returned {kind}; it should return two numbers: (tokens, seconds).", name=call.name,
                   kind=kind_of(result))
    tokens, seconds = (value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value for value in result)
    if not isinstance(tokens, Integral) or not isinstance(seconds, Real):
        raise Fail("{name} returned ({tokens_kind}, {seconds_kind}); it should return (a whole number, seconds).",
                   name=call.name, tokens_kind=kind_of(tokens), seconds_kind=kind_of(seconds))
    counts, ended = zip(*generated_counts(model, tokenizer, prompts), strict=True)
    if tokens not in (sum(counts), sum(counts) - sum(ended)):
        raise Fail("your count is {tokens}, but the model generated {total} tokens for these {count} prompts "
                   "({counts}, each row's EOS included): your tokens per second would be {ratio:.1f} times the truth.",
                   tokens=tokens, total=sum(counts), count=len(prompts), ratio=tokens / sum(counts),
                   counts=functools.reduce(lambda first, then: message("{first} and {then}", first=first, then=then),
                                           map(str, counts)))
    if not 0 < seconds <= elapsed:
        raise Fail("your seconds are {seconds!r}, but the whole call of {name} took {elapsed:.2f} s.", seconds=seconds,
                   name=call.name, elapsed=elapsed)
    return message("you counted {tokens} tokens, what the {count} rows generated ({counts}, with or without each row's "
                   "EOS), not their prompts or the padding after a row ends.", tokens=tokens, count=len(prompts),
                   counts=", ".join(map(str, counts)))


EXERCISES = [
    Exercise("generation_speed", check_generation_speed, fix="!= tokenizer.pad_token_id", hints=(
        "print the output of generate, row by row: which of its tokens did the model produce in this call?",
        "keep only the new columns, output[:, batch['input_ids'].shape[1]:], and count the tokens in them that are not "
        "tokenizer.pad_token_id.")),
]


def roofline_in_bfloat16(model, tokenizer) -> tuple[Any, Message]:
    """How the batch-1 roofline changes when the same weights are stored in bfloat16 instead of their own dtype."""
    parameters = sum(p.numel() for p in model.parameters())
    now = sum(p.numel() * p.element_size() for p in model.parameters())
    ratio = now / (parameters * torch.tensor([], dtype=torch.bfloat16).element_size())
    outcome = {0.5: "half", 1.0: "the same", 2.0: "double"}.get(round(ratio, 1), f"{ratio:.1f} times")
    return outcome, message("The roofline is bandwidth divided by the bytes each token reads: {now:.0f} MB now, "
                            "{bfloat16:.0f} MB in bfloat16. Whether a CPU reaches the higher roofline is another "
                            "matter: the table shows how close each variant comes.", now=now / 1e6,
                            bfloat16=now / ratio / 1e6)


PREDICTIONS = [
    Prediction("Predict: stored in bfloat16 instead of float32, the same weights would make the batch-1 roofline "
               "'half', 'the same' or 'double'? Answer with one of those strings.", roofline_in_bfloat16),
]
