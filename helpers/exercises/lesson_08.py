"""Lesson 08's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/08/)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch

from helpers.exercises import Exercise, Fail, Prediction, Runner, kind_of, shown
from helpers.generation import PADDING_PROMPTS, greedy, with_pad_token
from helpers.language import message


def check_batched_new_tokens(call: Runner, model, tokenizer) -> str:
    """Each row of the batched generation equals its prompt generated alone."""
    tokenizer = with_pad_token(tokenizer)
    rows = call(model, tokenizer, list(PADDING_PROMPTS))
    if not (isinstance(rows, torch.Tensor) and rows.dim() == 2 and rows.shape[0] == len(PADDING_PROMPTS)):
        raise Fail("{name} returned {kind}; it should return a 2-D tensor, one row per prompt.", name=call.name,
                   kind=kind_of(rows))
    pad = tokenizer.pad_token_id
    for prompt, row in zip(PADDING_PROMPTS, rows.tolist()):
        want = greedy(model, tokenizer, [prompt], max_new_tokens=8)[0].tolist()
        while row and row[-1] == pad and len(row) > len(want):
            row.pop()  # a row that ended early is padded to the batch's length
        if row != want:
            raise Fail("the batch's row for {prompt!r} is {row}; the same prompt generated alone gives {want}.",
                       prompt=prompt, row=shown(tokenizer, row), want=shown(tokenizer, want))
    return "with padding on the left, every prompt ends at the last position, and each row equals its prompt alone."


def check_left_padded_batch(call: Runner, model, tokenizer) -> str:
    """A tokenizer without a pad token is given one, and the batch is left-padded with an attention mask."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = None  # as many base models ship
    batch = call(tokenizer, list(PADDING_PROMPTS))
    if not (isinstance(batch, Mapping) and "input_ids" in batch and "attention_mask" in batch):
        raise Fail("{name} returned {kind}; it should return the tokenizer's whole output "
                   "(input_ids and attention_mask), which generate takes with **.", name=call.name, kind=kind_of(batch))
    ids, mask = (torch.as_tensor(batch[key]) for key in ("input_ids", "attention_mask"))
    if ids.dim() != 2 or ids.shape != mask.shape or ids.shape[0] != len(PADDING_PROMPTS):
        raise Fail("input_ids and attention_mask are not two tensors of the same shape, one row per prompt.")
    for prompt, row, row_mask in zip(PADDING_PROMPTS, ids.tolist(), mask.tolist()):
        if row_mask != sorted(row_mask):
            raise Fail("the short prompt's padding (attention_mask 0) comes after its text.")
        if row[len(row) - sum(row_mask):] != tokenizer(prompt)["input_ids"]:
            raise Fail("the row for {prompt!r} does not end with that prompt's tokens.", prompt=prompt)
    return "the EOS token serves as pad token, and the attention mask tells the model to ignore it."


EXERCISES = [
    Exercise("batched_new_tokens", check_batched_new_tokens, fix="padding_side=\"left\"", hints=(
        "print the padded batch: where is the short prompt's padding, and what comes right after its last token?",
        "pad on the left: padding_side=\"left\".")),
    Exercise("left_padded_batch", check_left_padded_batch, fix="pad_token = ", hints=(
        "a batch needs a token to fill the gaps. Does this tokenizer have one? Look at tokenizer.pad_token.",
        "reuse the EOS token, on a copy so that the caller's tokenizer stays as it was: tokenizer = copy.deepcopy(tokenizer), "
        "then tokenizer.pad_token = tokenizer.eos_token.")),
]


def right_padded_row_equals_alone(model, tokenizer) -> tuple[Any, str]:
    """Whether the short prompt's row of a right-padded batch equals that prompt generated alone."""
    right = with_pad_token(tokenizer, "right")
    batch = greedy(model, right, PADDING_PROMPTS, max_new_tokens=8)
    short = min(range(len(PADDING_PROMPTS)), key=lambda i: len(tokenizer(PADDING_PROMPTS[i])["input_ids"]))
    alone = greedy(model, right, [PADDING_PROMPTS[short]], max_new_tokens=8)[0]
    same = batch[short].tolist() == alone.tolist()
    return same, ("With padding on the right, the short prompt's row continues after its padding, not after its text. "
                  "Here that changed its tokens." if not same else
                  "With padding on the right, the short prompt's row continues after its padding, not after its text. "
                  "This model happened to give the same tokens anyway; the default model does not.")


PREDICTIONS = [
    Prediction(message("Predict: in a right-padded batch of {prompts}, will the shorter prompt's 8 new tokens equal "
                       "what it gives alone? Answer True or False.", prompts=PADDING_PROMPTS),
               right_padded_row_equals_alone),
]
