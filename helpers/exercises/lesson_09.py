"""Lesson 09's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/09/)."""

from __future__ import annotations

import copy
from typing import Any

from helpers.exercises import Exercise, Fail, Prediction, Runner, kind_of, text, token_ids
from helpers.generation import MESSAGES, leading_count
from helpers.language import Message, message


def check_chat_prompt(call: Runner, model, tokenizer) -> Message:
    """The rendered conversation ends by opening the assistant's turn."""
    without = tokenizer.apply_chat_template(MESSAGES, tokenize=False)
    want = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    got = text(call(tokenizer, list(MESSAGES)), call.name, message("render with tokenize=False"))
    if got == without and want != without:
        raise Fail("your text ends after the user's turn: nothing in it says that the assistant speaks next.")
    if got != want:
        raise Fail("the text should be the whole conversation, ending with the assistant's opener {opener!r}; yours ends "
                   "with {ending!r}.", opener=want[len(without):], ending=got[-40:])
    return message("add_generation_prompt=True ends the prompt with {opener!r}, so the next tokens are the answer.",
                   opener=want[len(without):])


def check_chat_input_ids(call: Runner, model, tokenizer) -> str:
    """The conversation's token ids start with exactly one BOS token, as apply_chat_template gives them."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.add_bos_token = True  # as Llama's, Mistral's and Gemma's tokenizers do
    want = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, return_dict=True)["input_ids"]
    got = token_ids(call(tokenizer, list(MESSAGES)), call.name)
    bos = tokenizer.bos_token_id
    if bos is not None and got[:2] == [bos, bos] and want[:2] != [bos, bos]:
        raise Fail("your ids start with two BOS tokens.")
    if got != want:
        raise Fail("your ids differ from the template's own tokenization (first ids {got}, expected {want}).", got=got[:4],
                   want=want[:4])
    return "the template writes the BOS token itself, so the text is tokenized without adding special tokens."


QUESTIONS = ["What is the capital of France?", "Name a colour of the sky.", "What do cats like to eat?"]


def check_chat_replies(call: Runner, model, tokenizer) -> str:
    """Each reply, from one batch, equals the same conversation's reply generated alone, and is only the reply."""
    if not tokenizer.chat_template:
        raise Fail("this model has no chat template, which this exercise needs: set MODEL_NAME to a chat model.")
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = None  # as many base models ship
    replies = call(model, tokenizer, list(QUESTIONS))
    if not (isinstance(replies, list) and len(replies) == len(QUESTIONS) and all(isinstance(r, str) for r in replies)):
        raise Fail("{name} returned {kind}; it should return a list of {count} strings.", name=call.name,
                   kind=kind_of(replies), count=len(QUESTIONS))
    for question, reply in zip(QUESTIONS, replies, strict=True):
        chat = tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                                             return_dict=True, return_tensors="pt").to(model.device)
        alone = model.generate(**chat, max_new_tokens=40, do_sample=False, stop_strings=["."], tokenizer=tokenizer,
                               pad_token_id=tokenizer.eos_token_id)[0, chat["input_ids"].shape[1]:]
        want = tokenizer.decode(alone, skip_special_tokens=True)
        if question in reply:
            raise Fail("your reply to {question!r} contains the question itself: {reply!r}…", question=question,
                       reply=reply[:60])
        if reply.startswith(want) and reply != want:
            raise Fail("your reply to {question!r} runs on past {want!r}.", question=question, want=want)
        if reply != want:
            raise Fail("your reply to {question!r} is {reply!r}; the same conversation alone gives {want!r}.",
                       question=question, reply=reply, want=want)
    return ("a chat template per conversation, a pad token, left padding, a length limit and a stop string: each reply "
            "is what the model says to that conversation alone.")


EXERCISES = [
    Exercise("chat_prompt", check_chat_prompt, fix="add_generation_prompt=True", hints=(
        "print your text's end, then look at how the template starts an assistant's turn.",
        "apply_chat_template(messages, add_generation_prompt=True, tokenize=False).")),
    Exercise("chat_input_ids", check_chat_input_ids, fix="add_special_tokens=False", hints=(
        "the rendered text already starts with a special token. What does the tokenizer add to any text by default?",
        "tokenizer(text, add_special_tokens=False), or let apply_chat_template tokenize.")),
    Exercise("chat_replies", check_chat_replies, fix="stop_strings", hints=(
        "run it on one question first, then on three: print the whole output, then what your function returns. "
        "Notebooks 03, 06 and 08 each show one of the things to change.",
        "give the tokenizer a pad token on a copy, pad on the left, pass stop_strings=['.'] with tokenizer=tokenizer, "
        "and decode only output[:, batch['input_ids'].shape[1]:].")),
]


def bos_tokens_after_tokenizing_the_text(model, tokenizer) -> tuple[Any, str | Message]:
    """How many BOS tokens start the ids when the rendered template is tokenized by a tokenizer that adds BOS."""
    if not tokenizer.chat_template or tokenizer.bos_token is None:
        return None, "this model has no chat template, or no BOS token."
    adding = copy.deepcopy(tokenizer)
    adding.add_bos_token = True
    text = adding.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    ids = adding(text)["input_ids"]
    count = leading_count(ids, adding.bos_token_id)
    return count, message("The rendered text already starts with {bos!r}, and the tokenizer adds one more to any text "
                          "it encodes." if text.startswith(adding.bos_token) else
                          "The rendered text does not start with {bos!r}, and the tokenizer adds one more to any text "
                          "it encodes.", bos=adding.bos_token)


PREDICTIONS = [
    Prediction("Predict: render the conversation with tokenize=False, then tokenize that text with a tokenizer that adds "
               "BOS (as Llama's does): how many BOS tokens start the ids? Answer with a number.",
               bos_tokens_after_tokenizing_the_text),
]
