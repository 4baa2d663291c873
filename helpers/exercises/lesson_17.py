"""Lesson 17's exercise (the answer of a reply, whatever the template did with the thinking) and predict-then-run
question."""

from __future__ import annotations

from typing import Any

from helpers.exercises import Exercise, Fail, Prediction, Runner
from helpers.generation import greedy
from helpers.language import Message, message
from helpers.thinking import THINKING_TEMPLATE

QUESTION = [{"role": "user", "content": "What is 12 plus 7?"}]
EMPTY_THINKING = "<think>\n\n</think>\n\n"  # what a template writes to turn thinking off, as the Qwen 3.5 templates do
# a ChatML prompt that opens the thinking without asking for it in a system turn, as a model trained to think gets
BARE = "<|im_start|>user\nWhat is 12 plus 7?<|im_end|>\n<|im_start|>assistant\n<think>\n"

# (what the reply is, how its prompt was rendered: "on", "off", "empty" or "bare", the reply, its answer or None; an
# empty answer may also be given as None)
REPLIES: list[tuple[Message, str, str, str | None]] = [
    (message("a reply that closes its thinking, then answers"), "on",
     "12 plus 7 is 19.\n</think>\n\nThe answer is 19.", "The answer is 19."),
    (message("the same reply decoded with its special tokens"), "on",
     "12 plus 7 is 19.\n</think>\n\nThe answer is 19.<|im_end|>", "The answer is 19."),
    (message("a reply cut by max_new_tokens inside its thinking"), "on", "12 plus 7 is 19, so", None),
    (message("a reply that ends with EOS inside its thinking, decoded with its special tokens"), "on",
     "12 plus 7 is 19.<|im_end|>", None),
    (message("a reply cut inside the closing tag"), "on", "12 plus 7 is 19.\n</thi", None),
    (message("a reply whose answer ends in a word, decoded with its special tokens"), "on",
     "12 plus 7 is 19.\n</think>\n\nThe answer is nineteen<|im_end|>", "The answer is nineteen"),
    (message("a reply whose answer mentions the closing tag, with thinking off"), "off",
     "Close it with </think>.<|im_end|>", "Close it with </think>."),
    (message("a reply whose answer runs over several lines, padded after its EOS"), "on",
     "Add them.\n</think>\n\nFinal answer: 19\n\nBecause 12 + 7 = 19.<|im_end|><|im_end|><|im_end|>",
     "Final answer: 19\n\nBecause 12 + 7 = 19."),
    (message("a reply to a prompt with thinking off"), "off", "The answer is 19.", "The answer is 19."),
    (message("a reply to a prompt with thinking off, decoded with its special tokens"), "off", "19.<|im_end|>", "19."),
    (message("a reply that opens and closes its own thinking, with thinking off"), "off",
     "<think>Add them.</think>\n19", "19"),
    (message("a reply to a prompt whose template wrote an empty thinking section"), "empty", "19.", "19."),
    (message("a reply that opens its own thinking, with thinking off, and is cut inside it"), "off", "<think>Add them, so",
     None),
    (message("a reply that opens its own thinking after an empty thinking section, and ends with EOS inside it"), "empty",
     "<think>Add them.<|im_end|>", None),
    (message("a reply cut inside its thinking, to a prompt that opens the thinking without a system turn"), "bare",
     "12 plus 7 is 19, so", None),
    (message("a reply that closes its thinking, to a prompt that opens it without a system turn"), "bare",
     "12 plus 7 is 19.\n</think>\n\n19.<|im_end|>", "19."),
    (message("a reply that closes its thinking and ends there"), "on", "Add them.\n</think><|im_end|>", ""),
]


def prompt_for(tokenizer, rendering: str) -> str:
    """The question's prompt with thinking on, off, turned off by an empty thinking section, or opened bare."""
    if rendering == "bare":
        return BARE
    prompt = tokenizer.apply_chat_template(QUESTION, chat_template=THINKING_TEMPLATE, add_generation_prompt=True,
                                           tokenize=False, enable_thinking=rendering == "on")
    return prompt + EMPTY_THINKING if rendering == "empty" else prompt


def check_final_answer(call: Runner, model, tokenizer) -> Message:
    """Each reply's answer, stripped, or None for a reply whose thinking never ended (nothing after the thinking may be
    given as an empty answer or as None)."""
    for what, rendering, reply, expected in REPLIES:
        got = call(tokenizer, reply, prompt_for(tokenizer, rendering))
        if got is not None and not isinstance(got, str):
            raise Fail("for {what}, your function returned {got!r}, neither text nor None.", what=what, got=got)
        if expected is None and got is not None:
            raise Fail("for {what}, your function returned {got!r} as the answer, and the reply holds none.", what=what,
                       got=got)
        if expected == "" and (got is None or not got.strip()):
            continue
        if expected is not None and (got is None or got.strip() != expected):
            raise Fail("for {what}, the answer is {expected!r}, and your function returned {got!r}.", what=what,
                       expected=expected, got=got)
    return message("right for {count} replies: with thinking on, off or turned off by an empty section, opened by the "
                   "template or by the model, closed, cut inside the thinking or its tag, ended by EOS, with or without "
                   "special tokens.", count=len(REPLIES))


EXERCISES = [
    Exercise("final_answer", check_final_answer, fix="prefix=prompt", hints=(
        "try your function on a reply cut inside its thinking, and on a reply whose prompt opened the thinking: where "
        "does the thinking start, in the reply or in the prompt?",
        "tokenizer.parse_response(reply, RESPONSE_TEMPLATE, prefix=prompt) (RESPONSE_TEMPLATE from helpers.thinking) "
        "reads the thinking and the answer apart; its 'content' is missing when the reply holds no answer.")),
]


def thinking_ends(model, tokenizer) -> tuple[Any, Message]:
    """Whether the greedy reply to one question, with thinking on and room for 96 tokens, closes its thinking."""
    prompt = prompt_for(tokenizer, "on")
    new = greedy(model, tokenizer, tokenizer(prompt, return_tensors="pt", add_special_tokens=False), max_new_tokens=96)[0]
    text = tokenizer.decode(new, skip_special_tokens=True)
    if "</think>" in text:
        return True, message("The model wrote {text!r}: it closed its thinking and answered after it.", text=text)
    return False, message("The model wrote {text!r}, all of it inside the thinking: the prompt opened the section, and "
                          "nothing in its training taught the model to close it.", text=text)


PREDICTIONS = [
    Prediction("Predict: with thinking on, the prompt ends inside <think>. With room for 96 tokens, will the model's "
               "greedy reply to 'What is 12 plus 7?' close its thinking with </think> and answer after it? Answer True "
               "or False.", thinking_ends),
]
