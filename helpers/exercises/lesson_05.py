"""Lesson 05's exercises: each one's check and hint (their code is in data/exercises/05/)."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import torch

from helpers.exercises import Exercise, Fail, Runner, kind_of, shown
from helpers.generation import PADDING_PROMPTS, greedy, with_pad_token


def check_batched_new_tokens(call: Runner, model, tokenizer) -> str:
    """Each row of the batched generation equals its prompt generated alone."""
    tokenizer = with_pad_token(tokenizer)
    rows = call(model, tokenizer, list(PADDING_PROMPTS))
    if not (isinstance(rows, torch.Tensor) and rows.dim() == 2 and rows.shape[0] == len(PADDING_PROMPTS)):
        raise Fail(f"{call.name} returned {kind_of(rows)}; it should return a 2-D tensor, one row per prompt.")
    pad = tokenizer.pad_token_id
    for prompt, row in zip(PADDING_PROMPTS, rows.tolist()):
        want = greedy(model, tokenizer, [prompt], max_new_tokens=8)[0].tolist()
        while row and row[-1] == pad and len(row) > len(want):
            row.pop()  # a row that ended early is padded to the batch's length
        if row != want:
            raise Fail(f"the row for {prompt!r} is {shown(tokenizer, row)}, alone the prompt gives "
                       f"{shown(tokenizer, want)}: pad on the left (padding_side='left'), so that every prompt "
                       "ends where generation continues.")
    return "with padding on the left, every prompt ends at the last position, and each row equals its prompt alone."


def check_left_padded_batch(call: Runner, model, tokenizer) -> str:
    """A tokenizer without a pad token is given one, and the batch is left-padded with an attention mask."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = None  # as many base models ship
    batch = call(tokenizer, list(PADDING_PROMPTS))
    if not (isinstance(batch, Mapping) and "input_ids" in batch and "attention_mask" in batch):
        raise Fail(f"{call.name} returned {kind_of(batch)}; it should return the tokenizer's whole output "
                   "(input_ids and attention_mask), which generate takes with **.")
    ids, mask = (torch.as_tensor(batch[key]) for key in ("input_ids", "attention_mask"))
    if ids.dim() != 2 or ids.shape != mask.shape or ids.shape[0] != len(PADDING_PROMPTS):
        raise Fail("input_ids and attention_mask should be two tensors of the same shape, one row per prompt: "
                   "pass padding=True and return_tensors='pt'.")
    for prompt, row, row_mask in zip(PADDING_PROMPTS, ids.tolist(), mask.tolist()):
        if row_mask != sorted(row_mask):
            raise Fail("the padding (attention_mask 0) is on the right: pad on the left, padding_side='left'.")
        if row[len(row) - sum(row_mask):] != tokenizer(prompt)["input_ids"]:
            raise Fail(f"the row for {prompt!r} does not end with that prompt's tokens.")
    return "the EOS token serves as pad token, and the attention mask tells the model to ignore it."


EXERCISES = [
    Exercise("batched_new_tokens", 'a decoder-only model continues from the last position: put the padding where it cannot come between a prompt and its continuation.',
             check_batched_new_tokens),
    Exercise("left_padded_batch", 'a tokenizer needs a pad token to pad; reuse its EOS token, which the attention mask then hides.',
             check_left_padded_batch),
]
