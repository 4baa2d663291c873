"""The workbook's thinking template and its response template (helpers.thinking) agree with one another, the doctor
tells a thinking switch left at its default from one the template ignores, and notebook 17's budget-forcing processor
(run from its cell alone) follows each of its rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import defined_in_notebook
from transformers import AutoModelForCausalLM, AutoTokenizer, LogitsProcessorList

from helpers import doctor
from helpers.thinking import RESPONSE_TEMPLATE, THINKING_TEMPLATE
from helpers.tools import TOOL_TEMPLATE

QUESTION = [{"role": "user", "content": "What is 6 times 7?"}]
NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "17_thinking_tokens.ipynb"


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


BudgetForcing = defined_in_notebook(NOTEBOOK, "BudgetForcing")


def forced_scores(tokenizer, text, budget=8, eos=(0,)):
    """The scores BudgetForcing leaves for the next token after `text` (every token as likely before)."""
    ids = torch.tensor([tokenizer.encode(text, add_special_tokens=False)])
    return BudgetForcing(tokenizer, 0, budget, eos=list(eos))(ids, torch.zeros(1, len(tokenizer)))[0]


def allowed(scores):
    return torch.isfinite(scores).nonzero().flatten().tolist()


def test_budget_forcing_leaves_a_row_whose_thinking_ended_alone(tokenizer):
    assert torch.isfinite(forced_scores(tokenizer, "Six sevens.</think>\n\nIt is 4")).all()
    # the model's own tag is spelled as the forced one begins: still the model's, so nothing follows it by force
    for closed in ["Six sevens.</think>", "Six sevens.</think>\n\nFinal"]:
        assert torch.isfinite(forced_scores(tokenizer, closed)).all(), closed
    close = tokenizer.encode("</think>\n\nFinal answer:", add_special_tokens=False)
    # after the whole forced tag, an answer that ends with the tag's first token is the model's own
    answer = tokenizer.decode(close) + " it is " + tokenizer.decode(close[:1])
    assert torch.isfinite(forced_scores(tokenizer, answer, budget=2)).all()


def test_budget_forcing_forces_the_tag_token_by_token_from_the_budget(tokenizer):
    """One processor through a whole generation: at the budget it starts the tag, then gives its tokens in turn, even
    once the tag's </think> is written, and leaves the row alone after the last."""
    close = tokenizer.encode("</think>\n\nFinal answer:", add_special_tokens=False)
    thought = tokenizer.encode("one two three four five six seven eight nine", add_special_tokens=False)
    processor = BudgetForcing(tokenizer, 0, len(thought), eos=[0])
    for written in range(len(close) + 1):
        scores = processor(torch.tensor([thought + close[:written]]), torch.zeros(1, len(tokenizer)))[0]
        assert allowed(scores) == ([close[written]] if written < len(close) else list(range(len(tokenizer)))), written
    # a row that starts the tag itself just before the budget gets the tag's next token, not the tag again
    assert allowed(forced_scores(tokenizer, tokenizer.decode(thought[:7] + close[:1]), budget=8)) == [close[1]]


def test_before_the_budget_ending_the_reply_becomes_ending_the_thinking(tokenizer):
    close = tokenizer.encode("</think>", add_special_tokens=False)
    scores = forced_scores(tokenizer, "Six", budget=8, eos=(0, 1))
    assert scores[0] == scores[1] == -float("inf") and torch.isfinite(scores[2:]).all()
    assert torch.isclose(scores[close[0]], torch.log(torch.tensor(3.0)))  # its own probability and the two EOS'


def test_budget_forcing_caps_every_rows_thinking_in_a_generated_batch(tiny_llama, tokenizer):
    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    tokenizer.pad_token, tokenizer.padding_side = tokenizer.eos_token, "left"
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": question}], add_generation_prompt=True,
                                             tokenize=False, enable_thinking=True) for question in ["Hi", "What is 6 times 7?"]]
    batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    width = batch["input_ids"].shape[1]
    processor = BudgetForcing(tokenizer, width, 5, eos=[tokenizer.eos_token_id])
    new = model.generate(**batch, max_new_tokens=20, do_sample=False, logits_processor=LogitsProcessorList([processor]),
                         pad_token_id=tokenizer.eos_token_id)[:, width:]
    for ids, prompt in zip(new.tolist(), prompts):
        assert "</think>\n\nFinal answer:" in tokenizer.decode(ids[: 5 + len(processor.close)])
        parsed = tokenizer.parse_response(tokenizer.decode(ids), RESPONSE_TEMPLATE, prefix=prompt)
        assert parsed.get("content", "").startswith("Final answer:"), parsed
