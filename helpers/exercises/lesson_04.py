"""Lesson 04's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/04/)."""

from __future__ import annotations

from typing import Any

import torch
from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopKLogitsWarper, set_seed

from helpers.exercises import PROMPTS, Exercise, Fail, Prediction, Runner, kind_of, shown, token_ids
from helpers.language import Message, message


def check_seeded_sample(call: Runner, model, tokenizer) -> Message:
    """The same seed gives the same sample; different seeds give different samples."""
    first, again = (token_ids(call(model, tokenizer, PROMPTS[0], 123), call.name) for _ in range(2))
    if first != again:
        raise Fail("two calls with seed 123 gave different tokens.")
    samples = {(prompt, seed): token_ids(call(model, tokenizer, prompt, seed), call.name)
               for prompt in PROMPTS for seed in (123, 7)}
    if all(samples[prompt, 123] == samples[prompt, 7] for prompt in PROMPTS):
        raise Fail("seeds 123 and 7 gave the same tokens: the seed changes nothing.")
    return message("seed 123 drew {first} twice after {prompt!r}, and seed 7 drew {other}: the same seed, the same draw.",
                   prompt=PROMPTS[0], first=shown(tokenizer, first), other=shown(tokenizer, samples[PROMPTS[0], 7]))


def check_sample_top_5(call: Runner, model, tokenizer) -> Message:
    """Every sampled token is among the model's 5 most likely at its step, and the seed still matters."""
    tolerance = 1e-4 if model.dtype == torch.float32 else 0.25  # the check's forward pass vs generate's cached one
    samples, worst = {}, 0  # the lowest rank any drawn token had (0: the likeliest)
    for prompt in PROMPTS:
        prompt_ids = tokenizer(prompt)["input_ids"]
        for seed in (123, 7):
            new = samples[prompt, seed] = token_ids(call(model, tokenizer, prompt, seed), call.name)
            if len(new) > 8:
                raise Fail("{name} returned {count} ids for 8 new tokens.", name=call.name, count=len(new))
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([prompt_ids + new], device=model.device)).logits[0].float()
            for step, token in enumerate(new):
                scores = logits[len(prompt_ids) + step - 1]
                rank = int((scores > scores[token] + tolerance).sum())
                worst = max(worst, rank)
                if rank >= 5:
                    raise Fail("after {context!r} your sample picked {token}, number {rank} in the model's ranking, "
                               "outside its top 5.", context=tokenizer.decode(prompt_ids + new[:step]),
                               token=shown(tokenizer, token), rank=rank + 1)
    if all(samples[prompt, 123] == samples[prompt, 7] for prompt in PROMPTS):
        raise Fail("seeds 123 and 7 gave the same tokens: your function does not sample.")
    return message("all {count} tokens your samples drew were among the model's 5 likeliest at their step (the least "
                   "likely was number {rank}), and seeds 123 and 7 drew different ones.",
                   count=sum(len(new) for new in samples.values()), rank=worst + 1)


# (temperature, top_k) as the check asks for them: sharper, flatter, top-k off, one token, and a tie at the k-th score.
DISTRIBUTION_SETTINGS = [(1.0, 50), (0.7, 5), (1.5, 0), (0.5, 1)]
TIED_SCORES = [2.0, 1.0, 1.0, 1.0, 0.0]  # with top_k=2, generate keeps four: three tie at the 2nd score


def generate_probabilities(scores: torch.Tensor, temperature: float, top_k: int) -> torch.Tensor:
    """What generate samples from: its own processors, in its order (temperature, then top-k), then a softmax."""
    processors = LogitsProcessorList([TemperatureLogitsWarper(temperature)] + ([TopKLogitsWarper(top_k)] if top_k else []))
    return processors(None, scores[None].clone())[0].softmax(-1)


def check_next_token_probabilities(call: Runner, model, tokenizer) -> Message:
    """The learner's distribution equals what generate's own processors give, for the model's scores after each prompt
    under several settings, and for scores with a tie at the k-th place."""
    cases = []
    for prompt in PROMPTS:
        inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
        with torch.no_grad():
            scores = model(**inputs).logits[0, -1].float().cpu()
        cases += [(prompt, scores, temperature, top_k) for temperature, top_k in DISTRIBUTION_SETTINGS]
    cases.append((None, torch.tensor(TIED_SCORES), 1.0, 2))
    for prompt, scores, temperature, top_k in cases:
        got = call(scores.clone(), temperature, top_k)
        if not (isinstance(got, torch.Tensor) and got.shape == scores.shape and got.is_floating_point()):
            raise Fail("{name} returned {kind}; it should return one probability per token, a 1-D float tensor as long "
                       "as the scores.", name=call.name, kind=kind_of(got))
        want = generate_probabilities(scores, temperature, top_k)
        got = got.detach().float().cpu()
        where = (message("after {prompt!r}", prompt=prompt) if prompt else
                 message("for the scores {scores}", scores=TIED_SCORES))
        if not abs(float(got.sum()) - 1) < 1e-4:
            raise Fail("{where}, with temperature={temperature} and top_k={top_k}, your probabilities add up to "
                       "{total:.3f}, not 1.", where=where, temperature=temperature, top_k=top_k, total=float(got.sum()))
        if int((got > 0).sum()) != int((want > 0).sum()):
            raise Fail("{where}, with temperature={temperature} and top_k={top_k}, your distribution gives {yours} tokens "
                       "a chance; generate gives {theirs}.", where=where, temperature=temperature, top_k=top_k,
                       yours=int((got > 0).sum()), theirs=int((want > 0).sum()))
        if not torch.allclose(got, want, atol=1e-5):
            top = int(want.argmax())
            raise Fail("{where}, with temperature={temperature} and top_k={top_k}, you give the likeliest token a "
                       "probability of {yours:.3f}; generate gives it {theirs:.3f}.", where=where,
                       temperature=temperature, top_k=top_k, yours=float(got[top]), theirs=float(want[top]))
    return message("your distribution equals the one generate samples from in all {count} cases, top_k=0 and a tie at "
                   "the k-th score included.", count=len(cases))


EXERCISES = [
    Exercise("seeded_sample", check_seeded_sample, fix="set_seed", hints=(
        "sampling draws from torch's random number generator. What decides where that generator starts?",
        "call transformers.set_seed(seed) right before generate.")),
    Exercise("sample_top_5", check_sample_top_5, fix="top_k=5", hints=(
        "do_sample=True alone draws from transformers' default of the 50 most likely tokens (the lesson's 'Sampling, made "
        "reproducible').",
        "pass top_k=5 to generate.")),
    Exercise("next_token_probabilities", check_next_token_probabilities, fix="/ temperature", hints=(
        "compare with the lesson's 'How each setting reshapes the distribution': what does temperature do to the "
        "scores, which tokens does top-k keep when two scores tie, and what must the kept probabilities add up to?",
        "divide the scores by temperature, set every score below the k-th largest to -inf (none when top_k is 0), "
        "then take the softmax.")),
]


def top_1_sampling(model, tokenizer) -> tuple[Any, str]:
    """Whether sampling with top_k=1 gives greedy decoding's tokens."""
    inputs = tokenizer(PROMPTS[1], return_tensors="pt").to(model.device)
    set_seed(7)
    sampled = model.generate(**inputs, do_sample=True, top_k=1, max_new_tokens=12)[0]
    greedy = model.generate(**inputs, do_sample=False, max_new_tokens=12)[0]
    same = sampled.tolist() == greedy.tolist()
    return same, ("top_k=1 keeps only the most likely token before each draw, so the draw has one candidate: the one "
                  "greedy decoding takes. Sampling is only as random as the tokens it keeps.")


PREDICTIONS = [
    Prediction("Predict: with do_sample=True and top_k=1, will 12 sampled tokens equal greedy decoding's 12? "
               "Answer True or False.", top_1_sampling),
]
