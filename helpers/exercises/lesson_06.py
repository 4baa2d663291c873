"""Lesson 06's exercises: each one's check and hint (their code is in data/exercises/06/)."""

from __future__ import annotations

import copy

from helpers.exercises import Exercise, Fail, Runner, text, token_ids
from helpers.generation import MESSAGES


def check_chat_prompt(call: Runner, model, tokenizer) -> str:
    """The rendered conversation ends by opening the assistant's turn."""
    without = tokenizer.apply_chat_template(MESSAGES, tokenize=False)
    want = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    got = text(call(tokenizer, list(MESSAGES)), call.name, " (render with tokenize=False)")
    if got == without and want != without:
        raise Fail("your text ends after the user's turn, so the model may go on writing as the user: "
                   "pass add_generation_prompt=True to open the assistant's turn.")
    if got != want:
        raise Fail(f"the text should be the whole conversation, ending with the assistant's opener "
                   f"{want[len(without):]!r}; yours ends with {got[-40:]!r}.")
    return f"add_generation_prompt=True ends the prompt with {want[len(without):]!r}, so the next tokens are the answer."


def check_chat_input_ids(call: Runner, model, tokenizer) -> str:
    """The conversation's token ids start with exactly one BOS token, as apply_chat_template gives them."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.add_bos_token = True  # as Llama's, Mistral's and Gemma's tokenizers do
    want = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, return_dict=True)["input_ids"]
    got = token_ids(call(tokenizer, list(MESSAGES)), call.name)
    bos = tokenizer.bos_token_id
    if bos is not None and got[:2] == [bos, bos] and want[:2] != [bos, bos]:
        raise Fail("your ids start with two BOS tokens: the rendered text already has one and the tokenizer "
                   "adds another; tokenize with add_special_tokens=False.")
    if got != want:
        raise Fail(f"your ids differ from the template's own tokenization (first ids {got[:4]}, expected {want[:4]}).")
    return "the template writes the BOS token itself, so the text is tokenized without adding special tokens."


EXERCISES = [
    Exercise("chat_prompt", "apply_chat_template can end the text by opening the assistant's turn.",
             check_chat_prompt),
    Exercise("chat_input_ids", 'the rendered text already contains the BOS token: tokenize it without adding special tokens (or let apply_chat_template tokenize).',
             check_chat_input_ids),
]
