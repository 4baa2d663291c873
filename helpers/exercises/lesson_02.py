"""Lesson 02's exercises: each one's check and hint (their code is in data/exercises/02/)."""

from __future__ import annotations

import torch

from helpers.exercises import PROMPTS, Exercise, Fail, Runner, shown, token_id, token_ids
from helpers.generation import greedy


def check_next_token_id(call: Runner, model, tokenizer) -> str:
    """The answer returns the argmax of the last position's logits, for several prompts."""
    for prompt in PROMPTS:
        got = token_id(call(model, tokenizer, prompt), call.name)
        with torch.no_grad():
            logits = model(**tokenizer(prompt, return_tensors="pt").to(model.device)).logits[0]
        best = logits.argmax(-1).tolist()
        if got != best[-1]:
            if got in best[:-1]:
                raise Fail(f"for {prompt!r} you returned the best guess at position {best.index(got)} of "
                           f"{len(best)}; the token after the prompt is predicted at the last position, logits[0, -1].")
            raise Fail(f"after {prompt!r} the most likely token is {shown(tokenizer, best[-1])}, you returned "
                       f"{shown(tokenizer, got)}: take the argmax of the last position's scores.")
    return "the last position's scores predict the token after the prompt, and argmax picks the most likely one."


def check_greedy_tokens(call: Runner, model, tokenizer) -> str:
    """The answer's hand-written loop gives the same tokens as greedy generate."""
    for prompt in PROMPTS:
        got = token_ids(call(model, tokenizer, prompt, 6), call.name)
        want = greedy(model, tokenizer, [prompt], max_new_tokens=6)[0].tolist()
        if got[: len(want)] != want or len(got) != 6:
            if len(set(got)) == 1 and len(set(want)) > 1:
                raise Fail(f"every step chose {shown(tokenizer, got[0])}: append each chosen token to ids, "
                           "so that the next forward pass sees it.")
            raise Fail(f"for {prompt!r} your loop gave {shown(tokenizer, got)}, greedy generate gives "
                       f"{shown(tokenizer, want)} ({len(got)} tokens, expected 6).")
    return "your loop picks the argmax, appends it and runs again: exactly what greedy generate does."


def check_only_new_tokens(call: Runner, model, tokenizer) -> str:
    """The answer returns generate's new tokens without the prompt."""
    for prompt in PROMPTS:
        got = token_ids(call(model, tokenizer, prompt), call.name)
        prompt_ids = tokenizer(prompt)["input_ids"]
        want = greedy(model, tokenizer, [prompt], max_new_tokens=8)[0].tolist()
        if got == prompt_ids + want:
            raise Fail(f"your ids begin with the prompt's {len(prompt_ids)} tokens: slice them off, "
                       "output[0, inputs['input_ids'].shape[1]:].")
        if got != want:
            raise Fail(f"for {prompt!r} the 8 new greedy tokens are {shown(tokenizer, want)}, "
                       f"you returned {shown(tokenizer, got)}.")
    return "generate returns the prompt followed by the new tokens, and slicing at the prompt's length keeps the new ones."


EXERCISES = [
    Exercise("next_token_id", 'the logits hold one row of scores per prompt position; the token after the prompt is predicted by the last.',
             check_next_token_id),
    Exercise("greedy_tokens", 'each forward pass must see the tokens chosen so far: append the chosen id to ids before the next step.',
             check_greedy_tokens),
    Exercise("only_new_tokens", "generate returns the prompt followed by the new tokens: slice the output at the prompt's length.",
             check_only_new_tokens),
]
