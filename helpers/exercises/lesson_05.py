"""Lesson 05's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/05/)."""

from __future__ import annotations

from typing import Any

import torch

from helpers.exercises import PROMPTS, Exercise, Fail, Prediction, Runner, new_token_log_probs, shown, token_ids
from helpers.language import Message, message

CONTINUATION_PROMPTS = ["Once upon a time", "My favourite food is"]
# The strategy must honour the call's settings, its length limit included.
SETTINGS = [{"max_new_tokens": 16}, {"max_new_tokens": 16, "repetition_penalty": 1.3},
            {"max_new_tokens": 16, "no_repeat_ngram_size": 2}, {"max_new_tokens": 5}]


def log_probability(model, prompt_ids: list[int], new_ids: list[int]) -> float:
    """The sum of the log-probabilities the model gives the new tokens after the prompt, from one forward pass."""
    ids = torch.tensor([prompt_ids + new_ids], device=model.device)
    return new_token_log_probs(model, ids, len(prompt_ids)).sum().item()


def listed(scores: list[float]) -> str:
    """Log-probabilities as a message shows them: "-8.99, -10.85"."""
    return ", ".join(f"{score:.2f}" for score in scores)


def check_likeliest_continuation(call: Runner, model, tokenizer) -> Message:
    """8 new tokens never less likely than greedy decoding's 8, and likelier after some prompt wherever the check's own
    beam searches (4 and 8 beams) find a likelier continuation than greedy decoding does: any wider search that gets
    there passes, whatever its number of beams."""
    yours, greedy_scores, better_exists = [], [], False
    for prompt in CONTINUATION_PROMPTS:
        inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
        prompt_ids = inputs["input_ids"][0].tolist()
        got = token_ids(call(model, tokenizer, prompt), call.name)
        if len(got) != 8:
            raise Fail("{name} returned {count} ids for 8 new tokens.", name=call.name, count=len(got))
        searched = {beams: model.generate(**inputs, num_beams=beams, do_sample=False, min_new_tokens=8, max_new_tokens=8)
                    [0, len(prompt_ids):].tolist() for beams in (1, 4, 8)}
        scores = {beams: log_probability(model, prompt_ids, ids) for beams, ids in searched.items()}
        mine = log_probability(model, prompt_ids, got)
        if mine < scores[1] - 1e-3:
            raise Fail("after {prompt!r} your 8 tokens {yours} have a log-probability of {yours_log_probability:.2f}, "
                       "less than greedy decoding's {greedy} ({greedy_log_probability:.2f}).", prompt=prompt,
                       yours=shown(tokenizer, got), yours_log_probability=mine, greedy=shown(tokenizer, searched[1]),
                       greedy_log_probability=scores[1])
        better_exists |= max(scores.values()) > scores[1] + 1e-3
        yours.append(mine)
        greedy_scores.append(scores[1])
    if better_exists and all(mine <= greedy + 1e-3 for mine, greedy in zip(yours, greedy_scores)):
        raise Fail("your 8 tokens are no likelier than greedy decoding's after either prompt ({yours}), but likelier "
                   "continuations exist.", yours=listed(yours))
    found = message("looking past each step's single best token found likelier sequences." if better_exists else
                    "this model has no likelier continuation after these prompts, and yours are as likely.")
    return message("your 8 tokens have log-probabilities {yours} after the two prompts, against greedy decoding's "
                   "{greedy}: {found}", yours=listed(yours), greedy=listed(greedy_scores), found=found)


def generate_with(call: Runner, model, inputs, **settings) -> list[int]:
    """The new token ids of generate(custom_generate=the learner's function), under the check's time limit."""
    output = call.timed(lambda: model.generate(**inputs, custom_generate=call.function, **settings))
    if not isinstance(output, torch.Tensor) or output.dim() != 2:
        raise Fail("{name} returned {type}; it should return the ids, prompt included (a 2-D tensor).", name=call.name,
                   type=type(output).__name__)
    return token_ids(output[0, inputs["input_ids"].shape[1]:], call.name)


def check_greedy_strategy(call: Runner, model, tokenizer) -> Message:
    """generate(custom_generate=the function) gives generate's own greedy tokens, with and without the call's settings."""
    for prompt in PROMPTS:
        inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
        for settings in SETTINGS:
            got = generate_with(call, model, inputs, **settings)
            want = model.generate(**inputs, do_sample=False, **settings)[0, inputs["input_ids"].shape[1]:]
            if got == want.tolist():
                continue
            called = ", ".join(f"{name}={value}" for name, value in settings.items())
            step = next((i for i, (a, b) in enumerate(zip(got, want.tolist())) if a != b), min(len(got), len(want)))
            raise Fail("after {prompt!r} with {called} in the generate call, your strategy's tokens part from generate's "
                       "greedy decoding at new token {step}: {yours} against {theirs}.", prompt=prompt, called=called,
                       step=step + 1, yours=shown(tokenizer, got[step:step + 4]),
                       theirs=shown(tokenizer, want[step:step + 4].tolist()))
    return message("your strategy gave generate's greedy tokens after both prompts under all {count} settings, "
                   "{settings} included: it picks from the scores the call's settings have processed.",
                   count=len(SETTINGS), settings="repetition_penalty, no_repeat_ngram_size, max_new_tokens=5")


EXERCISES = [
    Exercise("likeliest_continuation", check_likeliest_continuation, fix="num_beams", hints=(
        "the starting code takes the likeliest token at every step. Is the likeliest sequence of 8 tokens always made of "
        "each step's likeliest token?",
        "pass num_beams=4 to generate: beam search carries 4 candidate sequences from step to step, not one.")),
    Exercise("greedy_strategy", check_greedy_strategy, fix="scores[-1].argmax", hints=(
        "generate builds `logits_processor` from the call's settings (repetition_penalty, no_repeat_ngram_size, ...). "
        "Which tensor do those settings change, and which one does the strategy pick from?",
        "pick the token from the processed scores: next_id = scores[-1].argmax(-1, keepdim=True).")),
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
