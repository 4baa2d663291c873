"""Lesson 03's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/03/)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from helpers.exercises import (
    PROMPTS,
    Exercise,
    Fail,
    Prediction,
    Runner,
    forward_passes,
    shown,
    token_id,
    token_ids,
)
from helpers.generation import generate_replaced, greedy
from helpers.language import Message, message


def check_next_token_id(call: Runner, model, tokenizer) -> Message:
    """The answer returns the argmax of the last position's logits, for several prompts."""
    picked = []
    for prompt in PROMPTS:
        got = token_id(call(model, tokenizer, prompt), call.name)
        with torch.no_grad():
            logits = model(**tokenizer(prompt, return_tensors="pt").to(model.device)).logits[0]
        best = logits.argmax(-1).tolist()
        if got != best[-1]:
            if got in best[:-1]:
                raise Fail("for {prompt!r} you returned the model's best guess at position {position} of {positions}, "
                           "which is not the token that comes after the prompt.", prompt=prompt,
                           position=best.index(got), positions=len(best))
            raise Fail("after {prompt!r} greedy decoding picks {best}; you returned {got}.", prompt=prompt,
                       best=shown(tokenizer, best[-1]), got=shown(tokenizer, got))
        picked.append(shown(tokenizer, got))
    return message("after each prompt you returned the token greedy decoding picks next: {tokens}, the best score of "
                   "the last position.", tokens=", ".join(picked))


def check_greedy_tokens(call: Runner, model, tokenizer) -> Message:
    """The answer's hand-written loop gives the same tokens as greedy generate."""
    texts = []
    for prompt in PROMPTS:
        got = token_ids(call(model, tokenizer, prompt, 6), call.name)
        want = greedy(model, tokenizer, [prompt], max_new_tokens=6)[0].tolist()
        if got[: len(want)] != want or len(got) != 6:
            if len(set(got)) == 1 and len(set(want)) > 1:
                raise Fail("every step chose {chosen}, where greedy generate gives {want}.",
                           chosen=shown(tokenizer, got[0]), want=shown(tokenizer, want))
            if len(got) != 6:
                raise Fail("for {prompt!r} your loop returned {count} tokens, {got}; greedy generate gives 6, {want}.",
                           prompt=prompt, got=shown(tokenizer, got), want=shown(tokenizer, want), count=len(got))
            raise Fail("for {prompt!r} your loop gave {got}, greedy generate gives {want}.", prompt=prompt,
                       got=shown(tokenizer, got), want=shown(tokenizer, want))
        texts.append(shown(tokenizer, got))
    return message("your loop's 6 tokens after each prompt, {texts}, are greedy generate's, step for step.",
                   texts=", ".join(texts))


SHORT_ANSWER = [{"role": "user", "content": "Say the word yes."}]  # a chat answer that ends with EOS before 8 tokens


def check_only_new_tokens(call: Runner, model, tokenizer) -> Message:
    """The answer returns generate's new tokens without the prompt, also when EOS ends them before the 8th (so that
    keeping the output's last 8 ids cannot pass)."""
    prompts = list(PROMPTS)
    if tokenizer.chat_template:
        prompts.append(tokenizer.apply_chat_template(SHORT_ANSWER, add_generation_prompt=True, tokenize=False))
    lengths = []
    for prompt in prompts:
        got = token_ids(call(model, tokenizer, prompt), call.name)
        prompt_ids = tokenizer(prompt)["input_ids"]
        want = greedy(model, tokenizer, [prompt], max_new_tokens=8)[0].tolist()
        if got == prompt_ids + want:
            raise Fail("your ids begin with the prompt's {count} tokens, and only then come the new ones.",
                       count=len(prompt_ids))
        if got != want:
            raise Fail("for {prompt!r} the new greedy tokens are {want}, you returned {got}.", prompt=prompt[-40:],
                       want=shown(tokenizer, want), got=shown(tokenizer, got))
        lengths.append(len(want))
    return message("for each of the {count} prompts you returned exactly the tokens generate added: {lengths}.",
                   count=len(prompts), lengths=", ".join(map(str, lengths)))


@contextlib.contextmanager
def generate_calls(model) -> Iterator[list[dict[str, Any]]]:
    """The keyword arguments of every model.generate call inside the block."""
    calls: list[dict[str, Any]] = []
    original = model.generate

    def recorded(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return original(*args, **kwargs)

    with generate_replaced(model, recorded):
        yield calls


def check_cached_greedy_tokens(call: Runner, model, tokenizer) -> Message:
    """The answer's loop gives greedy generate's tokens in one forward pass per token, each after the first reading one
    position (so the whole sequence fed again, or one pass too many, fails however right the tokens)."""
    steps, read = 6, []
    for prompt in PROMPTS:
        want = greedy(model, tokenizer, [prompt], max_new_tokens=steps)[0].tolist()
        with forward_passes(model) as passes, generate_calls(model) as generated:
            got = token_ids(call(model, tokenizer, prompt, steps), call.name)
        if generated:
            raise Fail("your function called model.generate, which ran the loop for it; this exercise asks for the "
                       "loop itself.")
        if got != want:
            raise Fail("for {prompt!r} your loop gave {got}, greedy generate gives {want}.", prompt=prompt,
                       got=shown(tokenizer, got), want=shown(tokenizer, want))
        lengths = [shape[1] for shape in passes if shape]
        if len(lengths) != steps:
            raise Fail("for {prompt!r} your function ran {passes} forward passes for {steps} tokens.", prompt=prompt,
                       passes=len(lengths), steps=steps)
        if any(length != 1 for length in lengths[1:]):
            raise Fail("for {prompt!r} your forward passes read {lengths} positions: after the first, each read the "
                       "whole sequence again, where generate's read 1 position each.", prompt=prompt,
                       lengths=", ".join(map(str, lengths)))
        read.append(lengths[0])
    return message("your loop gave greedy generate's {steps} tokens after each prompt, in {steps} forward passes: the "
                   "first read the prompt ({lengths} positions), every later one 1 position, the token chosen last.",
                   steps=steps, lengths=" and ".join(map(str, read)))


EXERCISES = [
    Exercise("next_token_id", check_next_token_id, fix="logits[0, -1]", hints=(
        "logits has one row of scores for each position of the prompt. Which position's row is about the token after it?",
        "take the last position's row: logits[0, -1].argmax().item().")),
    Exercise("greedy_tokens", check_greedy_tokens, fix="torch.cat", hints=(
        "print ids inside the loop: does the model ever see the token it just chose?",
        "append the chosen id before the next step: ids = torch.cat([ids, next_id.view(1, 1)], dim=1).")),
    Exercise("only_new_tokens", check_only_new_tokens, fix="shape[1]:", hints=(
        "compare the first ids of generate's output with inputs['input_ids'].",
        "slice the output at the prompt's length: output[0, inputs['input_ids'].shape[1]:].")),
    Exercise("cached_greedy_tokens", check_cached_greedy_tokens, fix="cache=cache", hints=(
        "print out.cache.get_seq_length() after each pass: which tokens does the model already hold, and which does "
        "the next pass still need to read?",
        "keep out.cache and give the next pass only the new token: model(input_ids=next_id.view(1, 1), cache=cache).")),
]


def rows_of_scores(model, tokenizer) -> tuple[Any, str | Message]:
    """Whether logits hold one row per prompt token or one row for the whole prompt."""
    inputs = tokenizer("The capital of France is", return_tensors="pt").to(model.device)
    with torch.no_grad():
        rows = model(**inputs).logits.shape[1]
    tokens = inputs["input_ids"].shape[1]
    outcome = "one per prompt token" if rows == tokens else "one for the whole prompt"
    return outcome, message("For a prompt of {tokens} tokens the logits have {rows} rows: row i scores the token that "
                            "would follow position i, so only the last row is about the token after the prompt.",
                            tokens=tokens, rows=rows)


PREDICTIONS = [
    Prediction("Predict: for a prompt of several tokens, does model(**inputs).logits hold 'one per prompt token' row "
               "of next-token scores, or 'one for the whole prompt'? Answer with one of those two strings.",
               rows_of_scores),
]
