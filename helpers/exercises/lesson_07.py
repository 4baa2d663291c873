"""Lesson 07's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/07/)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from transformers import StoppingCriteria, StoppingCriteriaList

from helpers.exercises import PROMPTS, Exercise, Fail, Prediction, Runner, kind_of, new_token_log_probs
from helpers.generation import with_pad_token
from helpers.language import Message, message

SENTENCE_ENDS = (".", "!", "?")
BATCH = ["The capital of France is", "My favourite food is"]  # tokenized to different lengths: one row is padded
CONVERSATION = [{"role": "user", "content": "What is the capital of France?"}]


def probabilities(value: Any, name: str) -> list[float]:
    """A returned sequence of numbers as a list of floats: a list, or a 1-D (or one-row 2-D) float tensor."""
    if isinstance(value, torch.Tensor):
        value = value.reshape(-1).tolist() if value.dim() == 1 or value.shape[0] == 1 else value
    if isinstance(value, Sequence) and not isinstance(value, str) and all(isinstance(v, (int, float)) for v in value):
        return [float(v) for v in value]
    raise Fail("{name} returned {kind}; it should return one probability per new token (a list of floats).", name=name,
               kind=kind_of(value))


def check_token_probabilities(call: Runner, model, tokenizer) -> Message:
    """Each returned number is the probability the model gave that greedy token, recomputed with one forward pass."""
    for prompt in PROMPTS:
        got = probabilities(call(model, tokenizer, prompt), call.name)
        inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
        prompt_length = inputs["input_ids"].shape[1]
        ids = model.generate(**inputs, do_sample=False, max_new_tokens=8)
        want = new_token_log_probs(model, ids, prompt_length).exp().tolist()
        if len(got) != len(want):
            raise Fail("{name} returned {count} numbers for {expected} new tokens.", name=call.name, count=len(got),
                       expected=len(want))
        if any(not 0 <= p <= 1 for p in got):
            odd = next(p for p in got if not 0 <= p <= 1)
            raise Fail("after {prompt!r} your numbers include {odd:.4g}: a probability lies between 0 and 1.", prompt=prompt,
                       odd=odd)
        worst = max(range(len(got)), key=lambda i: abs(got[i] - want[i]))
        if not math.isclose(got[worst], want[worst], abs_tol=2e-3):
            raise Fail("after {prompt!r} your number for token {position} is {got:.4f}; the model gave that token a "
                       "probability of {want:.4f}.", prompt=prompt, position=worst + 1, got=got[worst], want=want[worst])
    return message("your numbers are the probabilities the model gave its greedy tokens, to within 0.002 of a forward "
                   "pass: after {prompt!r}, from {high:.2f} down to {low:.2f}.", prompt=prompt, high=max(got), low=min(got))


def sentence_ended(text: str) -> bool:
    """Whether a text ends a sentence (after any trailing spaces)."""
    return text.rstrip().endswith(SENTENCE_ENDS)


def check_stop_at_sentence_end(call: Runner, model, tokenizer) -> Message:
    """In a left-padded batch, each row stops at its own first sentence end, and no row stops before its own."""
    batch_tokenizer = with_pad_token(tokenizer, "left")
    inputs = batch_tokenizer(BATCH, padding=True, return_tensors="pt").to(model.device)
    prompt_length = inputs["input_ids"].shape[1]
    criterion = call(batch_tokenizer, prompt_length)
    if not isinstance(criterion, StoppingCriteria):
        raise Fail("{name}(tokenizer, prompt_length) made {kind}, not a StoppingCriteria.", name=call.name,
                   kind=kind_of(criterion))
    output = call.timed(lambda: model.generate(**inputs, do_sample=False, max_new_tokens=30,
                                                 stopping_criteria=StoppingCriteriaList([criterion])))
    reference = model.generate(**inputs, do_sample=False, max_new_tokens=30)
    for row, prompt in enumerate(BATCH):
        mine = batch_tokenizer.decode(output[row, prompt_length:], skip_special_tokens=True)
        whole = reference[row, prompt_length:].tolist()
        first_end = next((k for k in range(1, len(whole) + 1)
                          if sentence_ended(batch_tokenizer.decode(whole[:k], skip_special_tokens=True))), None)
        want = batch_tokenizer.decode(whole[:first_end], skip_special_tokens=True)
        if mine == want:
            continue
        if want.startswith(mine):
            raise Fail("row {row} ({prompt!r}) stopped at {mine!r}, which does not end a sentence; its own sentence "
                       "goes on to {want!r}.", row=row + 1, prompt=prompt, mine=mine, want=want)
        raise Fail("row {row} ({prompt!r}) went on to {mine!r}, past its first sentence end, {want!r}.", row=row + 1,
                   prompt=prompt, mine=mine, want=want)
    return message("in a batch of {count}, each row stopped at its own first sentence end: {ends}.", count=len(BATCH),
                   ends=", ".join(repr(batch_tokenizer.decode(output[row, prompt_length:], skip_special_tokens=True))
                                  for row in range(len(BATCH))))


EXERCISES = [
    Exercise("token_probabilities", check_token_probabilities, fix="normalize_logits=True", hints=(
        "out.scores holds each step's scores before any softmax: for this greedy call, the logits. What does exp() of "
        "such a number give?",
        "pass normalize_logits=True to compute_transition_scores: it log-softmaxes each step first.")),
    Exercise("StopAtSentenceEnd", check_stop_at_sentence_end, fix="batch_decode", hints=(
        "the check runs a batch of two prompts. Which row does __call__ read, and how many answers does it return?",
        "decode every row (tokenizer.batch_decode) and return a tensor with one True or False per row.")),
]


def scores_for_every_step(model, tokenizer) -> tuple[Any, Message]:
    """Whether an answer that ends with EOS before the limit of 40 still gets 40 tensors of scores."""
    if tokenizer.chat_template:
        inputs = tokenizer.apply_chat_template(CONVERSATION, add_generation_prompt=True, return_tensors="pt",
                                               return_dict=True)
    else:
        inputs = tokenizer(CONVERSATION[0]["content"], return_tensors="pt")
    out = model.generate(**inputs.to(model.device), do_sample=False, max_new_tokens=40, return_dict_in_generate=True,
                         output_scores=True)
    steps = len(out.scores)
    return steps == 40, message("out.scores holds one tensor per generation step, the EOS step included: {steps} here, "
                                "for {count} new tokens. Steps never taken leave nothing.", steps=steps,
                                count=out.sequences.shape[1] - inputs["input_ids"].shape[1])


PREDICTIONS = [
    Prediction(message("Predict: the greedy answer to the chat question {question!r}, with max_new_tokens=40, "
                       "return_dict_in_generate=True and output_scores=True. Does out.scores hold 40 tensors? Answer "
                       "True or False.", question=CONVERSATION[0]["content"]), scores_for_every_step),
]
