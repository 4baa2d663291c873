"""Lesson 06's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/06/)."""

from __future__ import annotations

from typing import Any

from helpers.exercises import PROMPTS, Exercise, Fail, Prediction, Runner, forward_passes, text, token_ids
from helpers.generation import greedy
from helpers.language import Message, message

SENTENCE_PROMPTS = ["The capital of France is", "The best way to learn a new language is"]
CONVERSATION = [{"role": "user", "content": "What is the capital of France?"}]


def check_twelve_new_tokens(call: Runner, model, tokenizer) -> Message:
    """Exactly 12 new tokens for every prompt, including a chat prompt whose answer ends early with EOS."""
    prompts, ended = list(PROMPTS), None
    if tokenizer.chat_template:
        prompts.append(tokenizer.apply_chat_template(CONVERSATION, add_generation_prompt=True, tokenize=False))
    for prompt in prompts:
        got = token_ids(call(model, tokenizer, prompt), call.name)
        prompt_ids = tokenizer(prompt)["input_ids"]
        if len(got) == 12:
            unbounded = greedy(model, tokenizer, [prompt], max_new_tokens=12)[0].tolist()  # without a floor
            if ended is None and tokenizer.eos_token_id in unbounded:
                ended = unbounded.index(tokenizer.eos_token_id) + 1
            continue
        if len(got) == 12 - len(prompt_ids):
            raise Fail("for a prompt of {prompt_count} tokens you got {count} new ones: the longer the prompt, "
                       "the fewer new tokens.", prompt_count=len(prompt_ids), count=len(got))
        if got[: len(prompt_ids)] == prompt_ids and len(got) > 12:
            raise Fail("your ids begin with the prompt's tokens.")
        if len(got) < 12 and got and got[-1] == tokenizer.eos_token_id:
            raise Fail("for {prompt!r} the model ended with EOS after {count} tokens, before the 12th.",
                       prompt=prompt[-40:], count=len(got))
        raise Fail("for {prompt!r} you returned {count} new tokens instead of 12.", prompt=prompt[-40:], count=len(got))
    if ended:
        return message("12 new tokens for each of the {count} prompts, the chat prompt included, whose answer would end "
                       "with EOS at token {ended} of 12 without a floor.", count=len(prompts), ended=ended)
    return message("12 new tokens for each of the {count} prompts, whatever their length.", count=len(prompts))


def check_first_sentence(call: Runner, model, tokenizer) -> Message:
    """The answer's text equals greedy generation stopped at the first '.' (within 40 new tokens), and generation itself
    stopped there: the model ran one forward pass per token up to it, not 40 with the text cut afterwards."""
    lengths = []
    for prompt in SENTENCE_PROMPTS:
        with forward_passes(model) as passes:
            got = text(call(model, tokenizer, prompt), call.name, message("decode the new tokens"))
        ids = greedy(model, tokenizer, [prompt], max_new_tokens=40, stop_strings=["."], tokenizer=tokenizer)[0]
        want = tokenizer.decode(ids, skip_special_tokens=True)
        if got != want:
            if got.startswith(prompt):
                raise Fail("your text begins with the prompt.")
            if got.startswith(want):
                raise Fail("your text runs on past {want!r}: generation did not stop at the first '.'.", want=want)
            raise Fail("for {prompt!r} greedy generation up to the first '.' gives {want!r}; yours gave {got!r}.",
                       prompt=prompt, want=want, got=got)
        if len(passes) > len(ids):
            raise Fail("for {prompt!r} your text is right, but the model ran {count} forward passes for the {needed} "
                       "tokens up to the first '.': generation went on past it, and the text was cut afterwards.",
                       prompt=prompt, count=len(passes), needed=len(ids))
        lengths.append(len(ids))
    return message("generation itself stopped at the first '.': after {first} and {second} new tokens, one forward pass "
                   "each, not the 40 allowed.", first=lengths[0], second=lengths[1])


EXERCISES = [
    Exercise("twelve_new_tokens", check_twelve_new_tokens, fix="max_new_tokens=12", hints=(
        "two things cut a generation short here: a limit that counts the prompt, and the model's own EOS token.",
        "max_new_tokens=12 sets the ceiling on new tokens and min_new_tokens=12 the floor.")),
    Exercise("first_sentence", check_first_sentence, fix="tokenizer=tokenizer", hints=(
        "generate can stop at a piece of text, but on its own it only sees token ids. Run the starting code's generate "
        "call alone: what does it say?",
        "pass tokenizer=tokenizer along with stop_strings=['.'].")),
]


def new_tokens_under_max_length(model, tokenizer) -> tuple[Any, Message]:
    """How many new tokens max_length=prompt_length + 3 leaves (EOS suppressed)."""
    inputs = tokenizer(PROMPTS[0], return_tensors="pt").to(model.device)
    prompt_length = inputs["input_ids"].shape[1]
    output = model.generate(**inputs, max_length=prompt_length + 3, do_sample=False,
                            suppress_tokens=[tokenizer.eos_token_id])
    return output.shape[1] - prompt_length, message(
        "max_length counts the whole sequence: the {prompt_length} prompt tokens use up all but 3 of it.",
        prompt_length=prompt_length)


PREDICTIONS = [
    Prediction("Predict: a prompt of prompt_length tokens, max_length=prompt_length + 3, EOS suppressed: how many new "
               "tokens does generate add? Answer with a number.", new_tokens_under_max_length),
]
