"""The workbook's thinking template and its response template (helpers.thinking) agree with one another, and the doctor
tells a thinking switch left at its default from one the template ignores."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from helpers import doctor
from helpers.thinking import RESPONSE_TEMPLATE, THINKING_TEMPLATE
from helpers.tools import TOOL_TEMPLATE

QUESTION = [{"role": "user", "content": "What is 6 times 7?"}]


@pytest.fixture
def tokenizer(tiny_llama):
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    tokenizer.chat_template = THINKING_TEMPLATE
    return tokenizer


def test_the_switch_opens_the_thinking_and_asks_for_it(tokenizer):
    on = tokenizer.apply_chat_template(QUESTION, add_generation_prompt=True, tokenize=False, enable_thinking=True)
    off = tokenizer.apply_chat_template(QUESTION, add_generation_prompt=True, tokenize=False, enable_thinking=False)
    assert on.endswith("<|im_start|>assistant\n<think>\n") and "</think>" in on.split("<|im_end|>")[0]
    assert "think" not in off and off == tokenizer.apply_chat_template(QUESTION, add_generation_prompt=True, tokenize=False)


def test_an_earlier_reply_goes_back_without_its_thinking(tokenizer):
    chat = [*QUESTION, {"role": "assistant", "reasoning_content": "Six sevens: 42.", "content": "42."},
            {"role": "user", "content": "And 6 times 8?"}]
    prompt = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False, enable_thinking=True)
    assert "<|im_start|>assistant\n42.<|im_end|>" in prompt and "Six sevens" not in prompt


@pytest.mark.parametrize(("reply", "thinking", "answer"), [
    ("Six sevens.\n</think>\n\nFinal answer: 42", "Six sevens.", "Final answer: 42"),
    ("Six sevens.\n</think>\n\n42.<|im_end|>", "Six sevens.", "42."),
    ("Six sevens, so", "Six sevens, so", None),            # cut inside its thinking: no answer
    ("Six sevens.\n</thi", "Six sevens.\n</thi", None),   # cut inside the closing tag
])
def test_the_prompt_tells_the_parser_that_the_reply_starts_inside_the_thinking(tokenizer, reply, thinking, answer):
    prompt = tokenizer.apply_chat_template(QUESTION, add_generation_prompt=True, tokenize=False, enable_thinking=True)
    parsed = tokenizer.parse_response(reply, RESPONSE_TEMPLATE, prefix=prompt)
    assert (parsed.get("reasoning_content"), parsed.get("content")) == (thinking, answer)
    assert "reasoning_content" not in tokenizer.parse_response(reply, RESPONSE_TEMPLATE, prefix="")  # all "content"


def test_a_reply_without_thinking_is_all_answer(tokenizer):
    prompt = tokenizer.apply_chat_template(QUESTION, add_generation_prompt=True, tokenize=False)
    assert tokenizer.parse_response("42.<|im_end|>", RESPONSE_TEMPLATE, prefix=prompt) == {"role": "assistant", "content": "42."}
    written = tokenizer.parse_response("<think>Six sevens.</think>\n42.", RESPONSE_TEMPLATE, prefix=prompt)
    assert (written["reasoning_content"], written["content"]) == ("Six sevens.", "42.")  # a model that opens it itself


def test_the_doctor_knows_a_switch_left_at_its_default_from_one_the_template_ignores(tokenizer):
    for value in [True, False]:  # False renders what no switch renders, True does not: the template reads it
        assert doctor.check_template(tokenizer, QUESTION, enable_thinking=value, add_generation_prompt=True) == []
    tokenizer.chat_template = TOOL_TEMPLATE
    findings = doctor.check_template(tokenizer, QUESTION, enable_thinking=False, add_generation_prompt=True)
    assert [(f.name, f.lesson) for f in findings] == [
        ("template ignores an argument", "notebook 17, 'A thinking switch in the template'")]
