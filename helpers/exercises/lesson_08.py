"""Lesson 08's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/08/)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import torch

from helpers.exercises import Exercise, Fail, Prediction, Runner, batched_passes, forward_passes, kind_of, shown
from helpers.generation import PADDING_PROMPTS, greedy, with_pad_token
from helpers.language import Message, message

# Two short prompts and two of very different lengths: a long row pads a short one, so that both a wrong padding side and
# a missing attention mask change a row (with the pad token the EOS token, which generate cannot tell from text).
BATCH_PROMPTS = [*PADDING_PROMPTS, "Portugal is", "The best way to learn a new language is to"]


def eos_padded(tokenizer):
    """A copy of the tokenizer that pads with the EOS token, as many models do (so generate cannot infer a mask)."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def rows_equal_alone(model, tokenizer, prompts: list[str], rows: Any, name: str, pad: int | None) -> None:
    """Fail unless the rows are one per prompt, each the prompt's own 8 greedy new tokens (padding after an early EOS
    aside)."""
    if not (isinstance(rows, torch.Tensor) and rows.dim() == 2 and rows.shape[0] == len(prompts)):
        raise Fail("{name} returned {kind}; it should return a 2-D tensor, one row per prompt.", name=name,
                   kind=kind_of(rows))
    for prompt, row in zip(prompts, rows.tolist()):
        want = greedy(model, tokenizer, [prompt], max_new_tokens=8)[0].tolist()
        while row and row[-1] == pad and len(row) > len(want):
            row.pop()  # a row that ended early is padded to the batch's length
        if row != want:
            raise Fail("the batch's row for {prompt!r} is {row}; the same prompt generated alone gives {want}.",
                       prompt=prompt, row=shown(tokenizer, row), want=shown(tokenizer, want))


def check_batched_new_tokens(call: Runner, model, tokenizer) -> Message:
    """Each row of the batched generation equals its prompt generated alone, and the prompts ran as one batch."""
    tokenizer = eos_padded(tokenizer)
    with forward_passes(model) as passes:
        rows = call(model, tokenizer, list(BATCH_PROMPTS))
    length = max(shape[1] for shape in batched_passes(passes, len(BATCH_PROMPTS), message("prompts")))
    rows_equal_alone(model, tokenizer, BATCH_PROMPTS, rows, call.name, tokenizer.pad_token_id)
    return message("all {count} prompts ran as one batch of {length} positions, and each row equals its prompt generated "
                   "alone, even the shortest behind {padding} pad tokens.", count=len(BATCH_PROMPTS), length=length,
                   padding=length - min(len(tokenizer(prompt)["input_ids"]) for prompt in BATCH_PROMPTS))


def check_left_padded_batch(call: Runner, model, tokenizer) -> Message:
    """A tokenizer without a pad token is given one, the batch is left-padded with an attention mask, and generate on
    it gives each prompt's own tokens (so a pad id without an embedding row fails as it would in the learner's code)."""
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
    rows = model.get_input_embeddings().num_embeddings
    if int(ids.max()) >= rows:
        raise Fail("your batch holds token id {id}, but the model has {rows} embedding rows (ids 0 to {last}): generate "
                   "on it raises IndexError.", id=int(ids.max()), rows=rows, last=rows - 1)
    pad = int(ids[mask == 0][0]) if (mask == 0).any() else tokenizer.eos_token_id
    output = model.generate(input_ids=ids.to(model.device), attention_mask=mask.to(model.device), do_sample=False,
                            max_new_tokens=8, pad_token_id=pad)
    rows_equal_alone(model, with_pad_token(tokenizer), PADDING_PROMPTS, output[:, ids.shape[1]:].cpu(), call.name, pad)
    return message("your batch pads on the left with {pad} (id {id}), masked out, and generate on it gives each prompt "
                   "its own tokens.", pad=shown(tokenizer, pad), id=pad)


EXERCISES = [
    Exercise("batched_new_tokens", check_batched_new_tokens, fix="padding_side=\"left\"", hints=(
        "print the padded batch and what generate receives: where is each short prompt's padding, what comes right after "
        "its last token, and how could the model tell that padding from text?",
        "pad on the left, padding_side=\"left\", and hand generate the whole batch, attention mask included: "
        "model.generate(**batch, ...).")),
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
