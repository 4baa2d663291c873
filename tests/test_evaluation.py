"""Notebook 18's task and rules (helpers.evaluation), and its interval, sign test and mean log-probability, each run
from its notebook cell against an independent computation."""

from __future__ import annotations

import itertools
from math import comb, sqrt
from pathlib import Path

import pytest
import torch
from conftest import defined_in_notebook
from transformers import AutoModelForCausalLM, AutoTokenizer

from helpers.evaluation import answer_of, capitals, is_right, vote

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "18_is_it_any_good.ipynb"


def test_the_task_has_a_few_dozen_distinct_questions_each_with_a_capital():
    tasks = capitals()
    assert 20 <= len(tasks) <= 40 and len({country for country, _ in tasks}) == len(tasks)
    assert all(spellings and all(s.strip() == s and s for s in spellings) for _, spellings in tasks)
    assert ("Brazil", ["Brasília", "Brasilia"]) in tasks


@pytest.mark.parametrize(("reply", "spellings", "right"), [
    ("The capital of France is Paris.", ["Paris"], True),
    ("PARIS", ["Paris"], True),
    ("paris, of course", ["Paris"], True),
    ("Parisians call Lyon their capital.", ["Paris"], False),
    ("The capital of Mexico is Mexico City.", ["Mexico City"], True),
    ("The capital of Mexico is Mexico.", ["Mexico City"], False),
    ("It is Brasilia.", ["Brasília", "Brasilia"], True),
    ("It is BRASÍLIA.", ["Brasília", "Brasilia"], True),
    ("", ["Paris"], False),
])
def test_the_verifier_wants_a_spelling_as_a_whole_word_in_any_case(reply, spellings, right):
    assert is_right(reply, spellings) is right


@pytest.mark.parametrize(("reply", "country", "answer"), [
    ("The capital of France is Paris, France.", "France", "Paris"),
    ("In Egypt, the capital city is Cairo.", "Egypt", "Cairo"),
    ("Cairo is the capital of Egypt.", "Egypt", "Cairo"),
    ("The capital of India is New Delhi.", "India", "New Delhi"),
    ("The capital of Mexico is Mexico City. Mexico is large.", "Mexico", "Mexico City"),
    ("The capital of Egypt is Alexandria, a renowned", "Egypt", "Alexandria"),
    ("i do not know", "France", ""),
])
def test_a_reply_gives_the_last_name_of_its_first_sentence_other_than_the_country(reply, country, answer):
    assert answer_of(reply, country) == answer


def test_the_vote_counts_answers_and_a_tie_goes_to_the_first():
    assert vote(["Cairo", "Alexandria", "Cairo"]) == "Cairo"
    assert vote(["Alexandria", "Cairo"]) == "Alexandria" and vote(["", "Cairo", ""]) == "Cairo" and vote(["", ""]) == ""


def test_the_interval_is_wilsons_the_roots_of_its_quadratic():
    interval = defined_in_notebook(NOTEBOOK, "interval")
    z = 1.96
    for total in (1, 7, 24, 100):
        for right in range(total + 1):
            rate = right / total  # Wilson's bounds p solve (rate - p)^2 = z^2 p (1 - p) / total
            a, b, c = 1 + z**2 / total, -(2 * rate + z**2 / total), rate**2
            root = sqrt(b * b - 4 * a * c)
            assert interval(right, total) == pytest.approx(((-b - root) / (2 * a), (-b + root) / (2 * a)), abs=1e-9)
            low, high = interval(right, total)
            assert -1e-12 <= low <= rate + 1e-12 and rate <= high + 1e-12 <= 1 + 2e-12 and high - low > 0


def test_the_sign_test_is_the_exact_two_sided_binomial_test_on_the_disagreements():
    sign_test = defined_in_notebook(NOTEBOOK, "sign_test")
    for only_a, only_b, both in itertools.product(range(7), range(7), (0, 3)):
        a = [True] * only_a + [False] * only_b + [True] * both
        b = [False] * only_a + [True] * only_b + [True] * both
        n = only_a + only_b
        # every split at most as likely as the one measured, under a fair coin
        expected = sum(comb(n, k) for k in range(n + 1) if comb(n, k) <= comb(n, only_a)) / 2**n if n else 1.0
        assert sign_test(a, b) == pytest.approx(expected) == pytest.approx(sign_test(b, a))
    assert sign_test([False] * 5, [True] * 5) == pytest.approx(0.0625)


def test_the_mean_log_probability_stops_at_each_rows_first_eos(tiny_llama):
    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    tokenizer.pad_token, tokenizer.padding_side = tokenizer.eos_token, "left"
    batch = tokenizer(["I am", "A list of colors: red"], return_tensors="pt", padding=True)
    prompt_length = batch["input_ids"].shape[1]
    eos, other_eos, pad = tokenizer.eos_token_id, 5, 6  # two EOS ids, and padding that is neither
    torch.manual_seed(0)
    out = model.generate(**batch, max_new_tokens=12, do_sample=True, temperature=0.7, top_k=0, num_return_sequences=4,
                         return_dict_in_generate=True, output_logits=True, pad_token_id=eos, bad_words_ids=[[eos], [other_eos]])
    new = out.sequences[:, prompt_length:]
    new[1, 3], new[1, 4:] = eos, pad  # ends at its fourth token, then padding
    new[2, 5], new[2, 6], new[2, 7:] = other_eos, eos, pad  # ends at the other EOS id
    new[3, 2], new[3, 3] = other_eos, other_eos  # an EOS after the first one is not counted either
    mean_logprob = defined_in_notebook(NOTEBOOK, "mean_logprob", torch=torch, model=model,
                                       prompt_length=prompt_length, EOS=torch.tensor([eos, other_eos]))
    got = mean_logprob(out)
    for row in range(len(new)):
        tokens = new[row].tolist()
        end = next((i + 1 for i, token in enumerate(tokens) if token in (eos, other_eos)), len(tokens))  # EOS included
        logprobs = [torch.log_softmax(out.logits[step][row].float(), -1)[tokens[step]].item() for step in range(end)]
        assert got[row].item() == pytest.approx(sum(logprobs) / end, rel=1e-5)
    assert got.shape == (8,)
