"""Lesson 05's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/05/)."""

from __future__ import annotations

from typing import Any

import torch

from helpers.exercises import PROMPTS, Exercise, Fail, Prediction, Runner, new_token_log_probs, shown, token_ids, within
from helpers.language import message

CONTINUATION_PROMPTS = ["Once upon a time", "My favourite food is"]
SETTINGS = [{}, {"repetition_penalty": 1.3}, {"no_repeat_ngram_size": 2}]  # the strategy must honour the call's settings


def log_probability(model, prompt_ids: list[int], new_ids: list[int]) -> float:
    """The sum of the log-probabilities the model gives the new tokens after the prompt, from one forward pass."""
    ids = torch.tensor([prompt_ids + new_ids], device=model.device)
    return new_token_log_probs(model, ids, len(prompt_ids)).sum().item()


def check_likeliest_continuation(call: Runner, model, tokenizer) -> str:
    """8 new tokens at least as likely as the 8 that beam search with 4 beams finds, after each prompt."""
    for prompt in CONTINUATION_PROMPTS:
        inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
        prompt_ids = inputs["input_ids"][0].tolist()
        got = token_ids(call(model, tokenizer, prompt), call.name)
        if len(got) != 8:
            raise Fail("{name} returned {count} ids for 8 new tokens.", name=call.name, count=len(got))
        beam = model.generate(**inputs, num_beams=4, do_sample=False, min_new_tokens=8, max_new_tokens=8)[0, len(prompt_ids):]
        yours, likelier = log_probability(model, prompt_ids, got), log_probability(model, prompt_ids, beam.tolist())
        if yours < likelier - 1e-3:
            raise Fail("after {prompt!r} your 8 tokens {yours} have a log-probability of {yours_log_probability:.2f}, "
                       "but {likelier} has {likelier_log_probability:.2f}: a likelier continuation exists.",
                       prompt=prompt, yours=shown(tokenizer, got), yours_log_probability=yours,
                       likelier=shown(tokenizer, beam.tolist()), likelier_log_probability=likelier)
    return ("greedy decoding commits to the best token at each step; beam search keeps 4 candidates and finds likelier "
            "8-token sequences.")


def generate_with(call: Runner, model, inputs, **settings) -> list[int]:
    """The new token ids of generate(custom_generate=the learner's function), under the check's time limit."""
    output = within(call, lambda: model.generate(**inputs, custom_generate=call.function, **settings))
    if not isinstance(output, torch.Tensor) or output.dim() != 2:
        raise Fail("{name} returned {type}; it should return the ids, prompt included (a 2-D tensor).", name=call.name,
                   type=type(output).__name__)
    return token_ids(output[0, inputs["input_ids"].shape[1]:], call.name)


def check_greedy_strategy(call: Runner, model, tokenizer) -> str:
    """generate(custom_generate=the function) gives generate's own greedy tokens, with and without the call's settings."""
    for prompt in PROMPTS:
        inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
        for settings in SETTINGS:
            got = generate_with(call, model, inputs, max_new_tokens=16, **settings)
            want = model.generate(**inputs, do_sample=False, max_new_tokens=16, **settings)[0, inputs["input_ids"].shape[1]:]
            if got == want.tolist():
                continue
            called = ", ".join(f"{name}={value}" for name, value in settings.items()) or message("no other settings")
            step = next((i for i, (a, b) in enumerate(zip(got, want.tolist())) if a != b), min(len(got), len(want)))
            raise Fail("after {prompt!r} with {called} in the generate call, your strategy's tokens part from generate's "
                       "greedy decoding at new token {step}: {yours} against {theirs}.", prompt=prompt, called=called,
                       step=step + 1, yours=shown(tokenizer, got[step:step + 4]),
                       theirs=shown(tokenizer, want[step:step + 4].tolist()))
    return "generate turns the call's settings into logits processors; the strategy picks from their scores, so they apply."


EXERCISES = [
    Exercise("likeliest_continuation", check_likeliest_continuation, fix="num_beams", hints=(
        "the starting code takes the likeliest token at every step. Is the likeliest sequence of 8 tokens always made of "
        "each step's likeliest token?",
        "pass num_beams=4 to generate: beam search carries 4 candidate sequences from step to step, not one.")),
    Exercise("greedy_strategy", check_greedy_strategy, fix="scores.argmax", hints=(
        "generate builds `logits_processor` from the call's settings (repetition_penalty, no_repeat_ngram_size, ...). "
        "Which tensor do those settings change, and which one does the strategy pick from?",
        "pick the token from the processed scores: next_id = scores.argmax(-1, keepdim=True).")),
]


def first_tokens_of_beams(model, tokenizer) -> tuple[Any, str]:
    """How many different first tokens the 4 sequences of 4-beam search begin with."""
    inputs = tokenizer(CONTINUATION_PROMPTS[0], return_tensors="pt").to(model.device)
    output = model.generate(**inputs, num_beams=4, num_return_sequences=4, do_sample=False, min_new_tokens=8,
                            max_new_tokens=8)
    different = len(set(output[:, inputs["input_ids"].shape[1]].tolist()))
    return different, ("Beams share their history: each step keeps the best extensions of all the beams together, "
                       "and these often extend the same beam, so the sequences tend to begin alike and part late.")


PREDICTIONS = [
    Prediction(message("Predict: with num_beams=4 and num_return_sequences=4, 8 new tokens after {prompt!r}: how many "
                       "different first tokens do the 4 sequences begin with? Answer with a number.",
                       prompt=CONTINUATION_PROMPTS[0]), first_tokens_of_beams),
]
