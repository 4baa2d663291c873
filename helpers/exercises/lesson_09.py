"""Lesson 09's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/09/)."""

from __future__ import annotations

import copy
from typing import Any

from helpers.exercises import (
    Exercise,
    Fail,
    Prediction,
    Runner,
    batched_passes,
    forward_passes,
    kind_of,
    text,
    token_ids,
)
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


def check_chat_input_ids(call: Runner, model, tokenizer) -> Message:
    """The conversation's token ids are the template's own, starting with exactly one BOS token, for a tokenizer that
    adds BOS to any text and for one that does not."""
    adding = copy.deepcopy(tokenizer)
    adding.add_bos_token = True  # as Llama's, Mistral's and Gemma's tokenizers do
    not_adding = copy.deepcopy(tokenizer)
    not_adding.add_bos_token = False
    for each in (adding, not_adding):
        want = each.apply_chat_template(MESSAGES, add_generation_prompt=True, return_dict=True)["input_ids"]
        got = token_ids(call(each, list(MESSAGES)), call.name)
        bos = each.bos_token_id
        if bos is not None and got[:2] == [bos, bos] and want[:2] != [bos, bos]:
            raise Fail("your ids start with two BOS tokens.")
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            raise Fail("with a tokenizer that {adds} BOS, your ids differ from the template's own from position {at} on: "
                       "{got} where it has {want}.", adds=message("adds" if each is adding else "does not add"), at=at,
                       got=got[at:at + 4], want=want[at:at + 4])
    return message("your {count} ids are the template's own, starting with one {bos!r}, whether the tokenizer adds BOS "
                   "to a text or not.", count=len(want), bos=tokenizer.bos_token)


# Questions of very different lengths, so that the batch pads (and a wrong padding side shows).
QUESTIONS = ["What is the capital of France?", "Name a colour.",
             "My cat sleeps all day and then runs around the flat at night. Why do cats do that?"]


def check_chat_replies(call: Runner, model, tokenizer) -> Message:
    """Each reply, from one batch, equals the same conversation's reply generated alone, is only the reply, and ended
    generation at its '.': the batch ran no more steps than its longest reply needs (a cut afterwards cannot pass)."""
    if not tokenizer.chat_template:
        raise Fail("this model has no chat template, which this exercise needs: set MODEL_NAME to a chat model.")
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = None  # as many base models ship
    with forward_passes(model) as passes:
        replies = call(model, tokenizer, list(QUESTIONS))
    if not (isinstance(replies, list) and len(replies) == len(QUESTIONS) and all(isinstance(r, str) for r in replies)):
        raise Fail("{name} returned {kind}; it should return a list of {count} strings.", name=call.name,
                   kind=kind_of(replies), count=len(QUESTIONS))
    together = batched_passes(passes, len(QUESTIONS), message("conversations"))
    longest = 0
    for question, reply in zip(QUESTIONS, replies, strict=True):
        chat = tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                                             return_dict=True, return_tensors="pt").to(model.device)
        alone = model.generate(**chat, max_new_tokens=40, do_sample=False, stop_strings=["."], tokenizer=tokenizer,
                               pad_token_id=tokenizer.eos_token_id)[0, chat["input_ids"].shape[1]:]
        want = tokenizer.decode(alone, skip_special_tokens=True)
        longest = max(longest, len(alone))
        if question in reply:
            raise Fail("your reply to {question!r} contains the question itself: {reply!r}…", question=question,
                       reply=reply[:60])
        if reply.startswith(want) and reply != want:
            raise Fail("your reply to {question!r} runs on past {want!r}.", question=question, want=want)
        if reply != want:
            raise Fail("your reply to {question!r} is {reply!r}; the same conversation alone gives {want!r}.",
                       question=question, reply=reply, want=want)
    steps = len(together)
    if steps > longest:
        raise Fail("your replies are right, but the batch ran {steps} steps where its longest reply ends after {longest}: "
                   "generation went on past every '.', and the replies were cut afterwards.", steps=steps,
                   longest=longest)
    return message("one batch of {count} conversations padded to {length} positions, each reply what that conversation "
                   "gets alone, and generation over after {steps} steps, at the longest reply's '.'.",
                   count=len(QUESTIONS), length=max(shape[1] for shape in together), steps=steps)


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
