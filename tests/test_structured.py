"""The JSON-schema logits processor as notebook 11 writes it (run from its cell alone, as a learner's copy would be) and
helpers/structured.py's plumbing: valid output on any model, one-line errors."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import torch
from conftest import defined_in_notebook
from transformers import AutoModelForCausalLM, AutoTokenizer, ByT5Tokenizer

from helpers.structured import fenced_json, json_schema_grammar, json_validity, ll_tokenizer

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "11_constrained_output.ipynb"


JSONSchemaLogitsProcessor = defined_in_notebook(NOTEBOOK, "JSONSchemaLogitsProcessor")

# Compact separators and bounded values: a random model's JSON then closes well within 60 tokens.
SMALL = {
    "type": "object",
    "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 99}, "ok": {"type": "boolean"},
                   "tag": {"enum": ["red", "dark turquoise blue with a hint of green"]}},
    "required": ["n", "ok", "tag"],
    "additionalProperties": False,
    "x-guidance": {"whitespace_flexible": False},
}


@pytest.fixture(scope="module")
def tiny(tiny_llama):
    """The tiny random Llama and its tokenizer, with a pad token distinct from EOS and left padding."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    tokenizer.pad_token, tokenizer.padding_side = "<unk>", "left"
    return AutoModelForCausalLM.from_pretrained(tiny_llama), tokenizer


def generated(model, tokenizer, prompts, processor, **kwargs) -> torch.Tensor:
    """The new tokens of a left-padded batch generated with the processor."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    output = model.generate(**batch, logits_processor=[processor], pad_token_id=tokenizer.pad_token_id, **kwargs)
    return output[:, batch["input_ids"].shape[1]:]


def replies(model, tokenizer, prompts, processor, **kwargs) -> list[tuple[bool, str]]:
    """Each row's (ended with EOS, text) for a left-padded batch generated with the processor."""
    new = generated(model, tokenizer, prompts, processor, **kwargs)
    return [(tokenizer.eos_token_id in row.tolist(), tokenizer.decode(row, skip_special_tokens=True)) for row in new]


def test_random_model_gives_valid_json_in_a_left_padded_batch(tiny):
    model, tokenizer = tiny
    prompts = ["1, 2, 3", "Portugal is a country in Europe. Its capital is", "I am a cat."]
    torch.manual_seed(0)
    new = generated(model, tokenizer, prompts, JSONSchemaLogitsProcessor(tokenizer, SMALL),
                    max_new_tokens=60, do_sample=True, num_return_sequences=2)
    assert ((new == tokenizer.pad_token_id).sum(1) >= 2).any()  # a row ended early: the processor then saw its pads
    for row in new.tolist():
        text = tokenizer.decode(row, skip_special_tokens=True)
        assert tokenizer.eos_token_id in row and json_validity(text, SMALL) == (True, True), text
    free = model.generate(**tokenizer(prompts[:1], return_tensors="pt"), max_new_tokens=20, do_sample=False)
    assert json_validity(tokenizer.decode(free[0], skip_special_tokens=True), SMALL)[0] is False  # the processor did it


def test_one_processor_serves_several_generate_calls(tiny):
    model, tokenizer = tiny
    processor = JSONSchemaLogitsProcessor(tokenizer, SMALL)
    for prompts in (["A, B, C", "Once upon a time"], ["Hello! How are you today?", "red"]):  # same batch size
        for ended, text in replies(model, tokenizer, prompts, processor, max_new_tokens=60, do_sample=False):
            assert ended and json_validity(text, SMALL) == (True, True), text


def test_a_new_call_one_token_longer_than_the_last_step_gets_fresh_matchers(tiny):
    """A second prompt as long as the first call's output once looked, by its length, like that call's next step."""
    model, tokenizer = tiny
    processor = JSONSchemaLogitsProcessor(tokenizer, SMALL)
    batch = tokenizer(["A, B, C", "Once upon a time"], return_tensors="pt", padding=True)
    first = model.generate(**batch, logits_processor=[processor], max_new_tokens=60, do_sample=False,
                           pad_token_id=tokenizer.pad_token_id)
    story = tokenizer("Once upon a time there was a small village. " * 20)["input_ids"]
    # Other text, as long as the first output: one token more than the processor's last step saw.
    prompt = torch.tensor([story[: first.shape[1]], story[1: first.shape[1] + 1]])
    second = model.generate(prompt, attention_mask=torch.ones_like(prompt), logits_processor=[processor],
                            max_new_tokens=60, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    for row in second[:, prompt.shape[1]:].tolist():
        text = tokenizer.decode(row, skip_special_tokens=True)
        assert tokenizer.eos_token_id in row and json_validity(text, SMALL) == (True, True), text


def test_default_model_gives_valid_json(default_model):
    model, tokenizer = default_model
    schema = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 40}, "age": {"type": "integer"}},
              "required": ["name", "age"], "additionalProperties": False}
    messages = [{"role": "user", "content": "Give me a JSON object with the name and age of a fictional person."}]
    chat = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    output = model.generate(**chat, max_new_tokens=40, do_sample=False,
                            logits_processor=[JSONSchemaLogitsProcessor(tokenizer, schema)])[0, chat["input_ids"].shape[1]:]
    assert output[-1].item() == tokenizer.eos_token_id
    assert json_validity(tokenizer.decode(output, skip_special_tokens=True), schema) == (True, True)


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"age": {"type": "integr"}}},
    {"type": "string", "pattern": "(?<=Mr )[A-Z][a-z]+"},  # llguidance's error spans several lines
    {"$ref": "#/$defs/missing"},
    "{not json",
])
def test_a_schema_that_cannot_compile_fails_in_one_line(tiny, schema):
    with pytest.raises(ValueError) as caught:
        JSONSchemaLogitsProcessor(tiny[1], schema)
    message = str(caught.value)
    assert "\n" not in message and "Fix: " in message, message


def test_a_valid_schema_as_text_compiles(tiny):
    assert json_schema_grammar('{"type": "integer"}', tiny[1])


def test_a_slow_tokenizer_is_refused_in_one_line():
    with pytest.raises(ValueError, match=r"^llguidance needs a fast tokenizer, not ByT5Tokenizer: [^\n]*AutoTokenizer"):
        ll_tokenizer(ByT5Tokenizer())


def test_the_llguidance_tokenizer_is_built_once(tiny):
    assert ll_tokenizer(tiny[1]) is ll_tokenizer(tiny[1])


def test_fenced_json_and_validity():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    reply = 'Here you are:\n```json\n{"a": 1}\n```\nEnjoy!'
    assert json_validity(reply, schema) == (False, False)
    assert json_validity(fenced_json(reply), schema) == (True, True)
    assert json_validity('{"a": "one"}', schema) == (True, False)
    assert fenced_json("no fence") == "no fence"


def test_the_helpers_processor_is_notebook_11s_class_as_written():
    """helpers.structured keeps notebook 11's processor for later lessons: the same source, line for line, so that what
    notebook 16 imports is what notebook 11 teaches."""
    import inspect

    from helpers import structured

    cell = next(cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells
                if "class JSONSchemaLogitsProcessor(" in cell.source)
    written = cell[cell.index("class JSONSchemaLogitsProcessor("):].rstrip()
    assert inspect.getsource(structured.JSONSchemaLogitsProcessor).rstrip() == written
