"""Lesson 04's exercises: each one's check and hint (their code is in data/exercises/04/)."""

from __future__ import annotations

from helpers.exercises import PROMPTS, Exercise, Fail, Runner, text, token_ids
from helpers.generation import greedy

SENTENCE_PROMPTS = ["The capital of France is", "The best way to learn a new language is"]
CONVERSATION = [{"role": "user", "content": "What is the capital of France?"}]


def check_twelve_new_tokens(call: Runner, model, tokenizer) -> str:
    """Exactly 12 new tokens for every prompt, including a chat prompt whose answer ends early with EOS."""
    prompts = list(PROMPTS)
    if tokenizer.chat_template:
        prompts.append(tokenizer.apply_chat_template(CONVERSATION, add_generation_prompt=True, tokenize=False))
    for prompt in prompts:
        got = token_ids(call(model, tokenizer, prompt), call.name)
        prompt_ids = tokenizer(prompt)["input_ids"]
        if len(got) == 12:
            continue
        if len(got) == 12 - len(prompt_ids):
            raise Fail(f"for a prompt of {len(prompt_ids)} tokens you got {len(got)} new ones: max_length counts "
                       "the prompt; limit the new tokens with max_new_tokens=12.")
        if got[: len(prompt_ids)] == prompt_ids and len(got) > 12:
            raise Fail("your ids still begin with the prompt: slice it off, output[0, inputs['input_ids'].shape[1]:].")
        if len(got) < 12 and got and got[-1] == tokenizer.eos_token_id:
            raise Fail(f"for {prompt[-40:]!r} the model ended with EOS after {len(got)} tokens: forbid an early "
                       "end with min_new_tokens=12.")
        raise Fail(f"for {prompt[-40:]!r} you returned {len(got)} new tokens instead of 12.")
    return "max_new_tokens=12 is the ceiling and min_new_tokens=12 the floor, whatever the prompt's length or EOS."


def check_first_sentence(call: Runner, model, tokenizer) -> str:
    """The answer's text equals greedy generation stopped at the first '.' (within 40 new tokens)."""
    for prompt in SENTENCE_PROMPTS:
        got = text(call(model, tokenizer, prompt), call.name, " (decode the new tokens)")
        ids = greedy(model, tokenizer, [prompt], max_new_tokens=40, stop_strings=["."], tokenizer=tokenizer)[0]
        want = tokenizer.decode(ids, skip_special_tokens=True)
        if got == want:
            continue
        if got.startswith(prompt):
            raise Fail("your text repeats the prompt: decode only the new tokens, output[0, prompt_length:].")
        if got.startswith(want):
            raise Fail(f"your text runs on past {want!r}: pass stop_strings=['.'] and tokenizer=tokenizer to generate.")
        raise Fail(f"for {prompt!r} greedy generation up to the first '.' gives {want!r}; yours gave {got!r}.")
    return "stop_strings ends generation at the text '.', and tokenizer= lets generate see text in the token ids."


EXERCISES = [
    Exercise("twelve_new_tokens", 'max_length counts the prompt, and EOS can end a generation early: set a ceiling and a floor on the new tokens.',
             check_twelve_new_tokens),
    Exercise("first_sentence", 'stop_strings matches text, and generate needs tokenizer=tokenizer to see text in token ids.',
             check_first_sentence),
]
