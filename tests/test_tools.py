"""The workbook's tool template, response template and call schema (helpers.tools) agree with one another, and the
doctor reports template arguments a template ignores."""

from __future__ import annotations

import jsonschema
import pytest
from conftest import CHAT_TEMPLATE
from transformers import AutoTokenizer

from helpers import doctor
from helpers.exercises.lesson_16 import multiply
from helpers.tools import RESPONSE_TEMPLATE, TOOL_TEMPLATE, call_schema

QUESTION = [{"role": "user", "content": "What is 6 times 7?"}]


def shout(text: str, times: int = 1) -> str:
    """Say something loudly.

    Args:
        text: What to say.
        times: How many times.
    """
    return text.upper() * times


@pytest.fixture
def tokenizer(tiny_llama):
    return AutoTokenizer.from_pretrained(tiny_llama)


def test_a_call_the_template_writes_is_the_call_parse_response_reads(tokenizer):
    """Two calls written into the conversation by TOOL_TEMPLATE (arguments as a dict and as a JSON string) come back
    from parse_response, given the prompt before them, as the same calls."""
    calls = [{"type": "function", "function": {"name": "multiply", "arguments": {"a": 6, "b": 7}}},
             {"type": "function", "function": {"name": "shout", "arguments": '{"text": "hi", "times": 2}'}}]
    prompt = tokenizer.apply_chat_template(QUESTION, tools=[multiply, shout], chat_template=TOOL_TEMPLATE,
                                           add_generation_prompt=True, tokenize=False)
    reply = {"role": "assistant", "content": "Let me compute.", "tool_calls": calls}
    whole = tokenizer.apply_chat_template([*QUESTION, reply], tools=[multiply, shout], chat_template=TOOL_TEMPLATE, tokenize=False)
    assert whole.startswith(prompt)
    parsed = tokenizer.parse_response(whole[len(prompt):].removesuffix("\n"), RESPONSE_TEMPLATE, prefix=prompt)  # generation stops at <|im_end|>
    assert parsed["tool_calls"] == [calls[0], {**calls[1], "function": {"name": "shout", "arguments": {"text": "hi", "times": 2}}}]
    assert parsed["content"] == "Let me compute."


def test_text_on_both_sides_of_a_call_is_kept(tokenizer):
    reply = 'Sure.\n<tool_call>\n{"name": "multiply", "arguments": {"a": 6, "b": 7}}\n</tool_call>\nand more.<|im_end|>'
    parsed = tokenizer.parse_response(reply, RESPONSE_TEMPLATE, prefix="<|im_start|>assistant\n")
    assert parsed["content"] == "Sure.\nand more." and len(parsed["tool_calls"]) == 1


def test_a_reply_started_by_the_template_is_read_from_inside_the_call(tokenizer):
    """tool_choice="required" ends the prompt with <tool_call>: the parser, given that prompt, reads the reply as a call."""
    prompt = tokenizer.apply_chat_template(QUESTION, tools=[multiply], chat_template=TOOL_TEMPLATE, add_generation_prompt=True,
                                           tokenize=False, tool_choice="required")
    assert prompt.endswith("<|im_start|>assistant\n<tool_call>\n")
    parsed = tokenizer.parse_response('{"name": "multiply", "arguments": {"a": 6, "b": 7}}', RESPONSE_TEMPLATE, prefix=prompt)
    assert parsed["tool_calls"][0]["function"] == {"name": "multiply", "arguments": {"a": 6, "b": 7}}


def test_without_tools_the_template_renders_chatml_with_the_default_system_turn(tokenizer):
    rendered = tokenizer.apply_chat_template(QUESTION, chat_template=TOOL_TEMPLATE, add_generation_prompt=True, tokenize=False)
    assert rendered == ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                        "<|im_start|>user\nWhat is 6 times 7?<|im_end|>\n<|im_start|>assistant\n")
    later_system = [*QUESTION, {"role": "assistant", "content": "42."}, {"role": "system", "content": "Be brief."}]
    assert tokenizer.apply_chat_template(later_system, chat_template=TOOL_TEMPLATE, tokenize=False).endswith(
        "<|im_start|>assistant\n42.<|im_end|>\n<|im_start|>system\nBe brief.<|im_end|>\n")  # only a first one is the system turn
    result = tokenizer.apply_chat_template([*QUESTION, {"role": "tool", "content": "42"}], chat_template=TOOL_TEMPLATE,
                                           tokenize=False)
    assert result.endswith("<|im_start|>user\n<tool_response>\n42\n</tool_response><|im_end|>\n")


def test_the_call_schema_takes_exactly_the_valid_calls():
    validator = jsonschema.Draft202012Validator(call_schema([multiply, shout]))
    assert validator.is_valid({"name": "multiply", "arguments": {"a": 6, "b": 7}})
    assert validator.is_valid({"name": "shout", "arguments": {"text": "hi"}})  # an optional parameter left out
    for wrong in [{"name": "divide", "arguments": {"a": 6, "b": 7}},       # no such tool
                  {"name": "multiply", "arguments": {"a": 6}},             # a required argument missing
                  {"name": "multiply", "arguments": {"a": 6, "b": "7"}},   # the wrong type
                  {"name": "multiply", "arguments": {"a": 6, "b": 7, "c": 8}},  # an argument it does not take
                  {"name": "multiply", "arguments": {"text": "hi"}},       # another tool's arguments
                  {"name": "multiply", "arguments": {"a": 6, "b": 7}, "id": 1}]:  # a field a call does not have
        assert not validator.is_valid(wrong), wrong


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_doctor_names_each_argument_the_template_ignores(tokenizer, language):
    tokenizer.chat_template = CHAT_TEMPLATE
    findings = doctor.check_template(tokenizer, QUESTION, tools=[multiply], enable_thinking=False, add_generation_prompt=True,
                                     language=language)
    assert [f.name for f in findings] == ["template ignores an argument"]
    assert "tools, enable_thinking" in findings[0].why and "notebook 16" in findings[0].lesson
    assert str(findings[0]) and findings[0].language == language
    tokenizer.chat_template = TOOL_TEMPLATE
    assert doctor.check_template(tokenizer, QUESTION, tools=[multiply], tool_choice="required", add_generation_prompt=True) == []
    assert [(f.why, f.lesson) for f in doctor.check_template(tokenizer, QUESTION, tools=[multiply], enable_thinking=True)] == [
        ("the chat template renders the same prompt with or without enable_thinking: what you passed never reaches the model.",
         "notebook 17, 'A thinking switch in the template'")]
    assert doctor.check_template(tokenizer, QUESTION, add_generation_prompt=True, tokenize=True) == []  # nothing to compare


def test_the_doctor_notes_a_template_it_cannot_render(tokenizer):
    tokenizer.chat_template = "{{ raise_exception('only system messages') }}"
    findings = doctor.check_template(tokenizer, QUESTION, tools=[multiply])
    assert [(f.name, f.severity) for f in findings] == [("cannot check the chat template", "note")]
