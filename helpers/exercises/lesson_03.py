"""Lesson 03's exercises: each one's check and hint (their code is in data/exercises/03/)."""

from __future__ import annotations

import torch

from helpers.exercises import PROMPTS, Exercise, Fail, Runner, shown, token_ids


def check_seeded_sample(call: Runner, model, tokenizer) -> str:
    """The same seed gives the same sample; different seeds give different samples."""
    first, again = (token_ids(call(model, tokenizer, PROMPTS[0], 123), call.name) for _ in range(2))
    if first != again:
        raise Fail("two calls with seed 123 gave different tokens: seed the random number generator with "
                   "set_seed(seed) right before generate.")
    samples = {(prompt, seed): token_ids(call(model, tokenizer, prompt, seed), call.name)
               for prompt in PROMPTS for seed in (123, 7)}
    if all(samples[prompt, 123] == samples[prompt, 7] for prompt in PROMPTS):
        raise Fail("seeds 123 and 7 gave the same tokens: keep do_sample=True, so that the seed matters.")
    return "set_seed fixes torch's random number generator, so the same seed draws the same tokens."


def check_sample_top_5(call: Runner, model, tokenizer) -> str:
    """Every sampled token is among the model's 5 most likely at its step, and the seed still matters."""
    tolerance = 1e-4 if model.dtype == torch.float32 else 0.25  # the check's forward pass vs generate's cached one
    samples = {}
    for prompt in PROMPTS:
        prompt_ids = tokenizer(prompt)["input_ids"]
        for seed in (123, 7):
            new = samples[prompt, seed] = token_ids(call(model, tokenizer, prompt, seed), call.name)
            if len(new) > 8:
                raise Fail(f"{call.name} returned {len(new)} ids for 8 new tokens: slice the prompt off.")
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([prompt_ids + new], device=model.device)).logits[0].float()
            for step, token in enumerate(new):
                scores = logits[len(prompt_ids) + step - 1]
                rank = int((scores > scores[token] + tolerance).sum())
                if rank >= 5:
                    raise Fail(f"after {tokenizer.decode(prompt_ids + new[:step])!r} your sample picked "
                               f"{shown(tokenizer, token)}, only number {rank + 1} in the model's ranking: "
                               "let generate keep the 5 most likely tokens, top_k=5.")
    if all(samples[prompt, 123] == samples[prompt, 7] for prompt in PROMPTS):
        raise Fail("seeds 123 and 7 gave the same tokens: that is greedy decoding; keep do_sample=True with top_k=5.")
    return "top_k=5 removes all but the 5 most likely tokens before each draw, and the draw still depends on the seed."


EXERCISES = [
    Exercise("seeded_sample", "sampling draws from torch's random number generator: seed it with set_seed(seed) right before generate.",
             check_seeded_sample),
    Exercise("sample_top_5", 'generate has a setting that keeps only the k most likely tokens before each draw; do_sample=True alone keeps many more.',
             check_sample_top_5),
]
