"""Lesson 18's exercise (a verifier for arithmetic answers) and predict-then-run question."""

from __future__ import annotations

from fractions import Fraction
from math import comb
from numbers import Real
from typing import Any

import torch

from helpers.evaluation import answer_of, capitals, is_right, vote
from helpers.exercises import Exercise, Fail, Prediction, Runner
from helpers.generation import with_pad_token
from helpers.language import Message, message

# (what the reply is, the reply, the answer, whether the reply's last number in digits equals it)
REPLIES: list[tuple[Message, str, int, bool]] = [
    (message("a reply that works its way to the answer"), "12 plus 7 is 19.", 19, True),
    (message("a sum written without spaces"), "12+7=19", 19, True),
    (message("an answer followed by an exclamation mark"), "The answer: 19!", 19, True),
    (message("an answer with words after it"), "19 is the answer.", 19, True),
    (message("an answer followed by a check on another line"), "19\n\nCheck: 12 + 7 = 19", 19, True),
    (message("an answer written with a decimal point"), "The answer is 19.0", 19, True),
    (message("an answer worked out on a line after the first"), "Let me add.\n12 + 7 = 19", 19, True),
    (message("an answer followed by a line with no number"), "12 + 7 = 19\nHope that helps!", 19, True),
    (message("an answer written with two decimal places"), "That makes 19.00", 19, True),
    (message("an answer of four digits written without a comma"), "The year is 2024.", 2024, True),
    (message("a negative answer"), "7 minus 10 is -3.", -3, True),
    (message("an answer with a comma between its thousands"), "The total is 1,019.", 1019, True),
    (message("an answer with commas between its millions and thousands"), "The total is 1,000,019.", 1000019, True),
    (message("a reply whose last number holds the answer's digits"), "The answer is 190.", 19, False),
    (message("a reply that names the answer, then another number"), "19? No: 12 plus 7 is 20.", 19, False),
    (message("a price with cents"), "It costs $19.50.", 19, False),
    (message("a number close to the answer"), "It is 19.4.", 19, False),
    (message("a negative number with the answer's digits"), "It is -19.", 19, False),
    (message("a number whose last group of thousands is the answer"), "The total is 1,019.", 19, False),
    (message("an answer in words"), "12 plus 7 makes nineteen.", 19, False),
    (message("a reply with no number"), "I cannot count.", 19, False),
    (message("an empty reply"), "", 19, False),
]


def check_number_is_right(call: Runner, model, tokenizer) -> Message:
    """Whether each reply's last number in digits (sign, decimals and thousands commas included) equals the answer."""
    for what, text, answer, expected in REPLIES:
        got = call(text, answer)
        if not isinstance(got, bool):
            raise Fail("for {what}, your function returned {got!r}, not True or False.", what=what, got=got)
        if got != expected:
            raise Fail("for {what}, {text!r} with the answer {answer}, your function returned {got}.", what=what,
                       text=text, answer=answer, got=got)
    return message("right for {count} replies: a sum worked out before its answer, an answer followed by words or a "
                   "check, with decimals, a sign or thousands commas; a number that only holds the answer's digits, a "
                   "price, an answer in words, no number at all.", count=len(REPLIES))


# (n, c, k): every draw of up to 12 samples, and 200 samples as a code benchmark draws them
DRAWS = [(n, c, k) for n in range(1, 13) for c in range(n + 1) for k in range(1, n + 1)] + [(200, 13, 100), (200, 1, 10)]


def check_pass_at_k(call: Runner, model, tokenizer) -> Message:
    """The probability that k of n samples, c of them right, drawn without replacement, hold a right one."""
    for n, c, k in DRAWS:
        got = call(n, c, k)
        if isinstance(got, bool) or not isinstance(got, Real):
            raise Fail("for n={n}, c={c}, k={k}, your function returned {got!r}, not a number.", n=n, c=c, k=k, got=got)
        expected = 1 - Fraction(comb(n - c, k), comb(n, k))
        if abs(float(got) - expected) > 1e-9:
            raise Fail("for n={n} samples of which c={c} are right and k={k}, the probability is {expected:.10g}, and your "
                       "function returned {got:.10g}.", n=n, c=c, k=k, expected=float(expected), got=float(got))
    return message("right for {count} draws: every n up to 12, each c and k, and 200 samples as a code benchmark draws "
                   "them.", count=len(DRAWS))


EXERCISES = [
    Exercise("number_is_right", check_number_is_right, fix='replace(",", "")', hints=(
        "print the number your function reads in '12 plus 7 is 19.', in 'The answer is 190.' and in 'It costs $19.50.': "
        "which number is it, and is all of it there?",
        're.findall(r"-?\\d[\\d,]*(?:\\.\\d+)?", text) lists every number with its sign, thousands commas and decimals; '
        'take the last, remove its commas with replace(",", "") and compare it, as Decimal(...) or float(...), with the '
        'answer.')),
    Exercise("pass_at_k", check_pass_at_k, fix="comb(n - c, k)", hints=(
        "work out n=4, c=1, k=2 by hand: list the 6 ways to choose 2 of the 4 samples; how many of them hold the right "
        "one? Does your function give that fraction?",
        "the draws with no right sample are the ways to choose k among the n - c wrong ones: math.comb(n - c, k) of "
        "the math.comb(n, k) ways in all.")),
]


def vote_beats_greedy(model, tokenizer) -> tuple[Any, Message]:
    """Whether a majority vote over 4 samples at temperature 1.0 gets more capitals right than greedy decoding."""
    tasks = capitals()
    questions = [f"What is the capital of {country}?" for country, _ in tasks]
    padded = with_pad_token(tokenizer, "left")
    if padded.chat_template:
        batch = padded.apply_chat_template([[{"role": "user", "content": q}] for q in questions],
                                           add_generation_prompt=True, padding=True, return_tensors="pt", return_dict=True)
    else:
        batch = padded([q + "\n" for q in questions], padding=True, return_tensors="pt")
    batch = batch.to(model.device)
    length = batch["input_ids"].shape[1]
    greedy = model.generate(**batch, max_new_tokens=10, do_sample=False, pad_token_id=padded.pad_token_id)
    torch.manual_seed(0)
    sampled = model.generate(**batch, max_new_tokens=10, do_sample=True, temperature=1.0, top_k=0, num_return_sequences=4,
                             pad_token_id=padded.pad_token_id)
    replies = tokenizer.batch_decode(greedy[:, length:], skip_special_tokens=True)
    samples = tokenizer.batch_decode(sampled[:, length:], skip_special_tokens=True)
    greedy_right = sum(is_right(reply, spellings) for reply, (_, spellings) in zip(replies, tasks))
    vote_right = sum(is_right(vote([answer_of(text, country) for text in samples[4 * i:4 * i + 4]]), spellings)
                     for i, (country, spellings) in enumerate(tasks))
    if vote_right > greedy_right:
        return True, message("The vote got {vote} of {total} right, greedy {greedy}: the samples' most common answer was "
                             "right on more questions than greedy's reply.",
                             vote=vote_right, greedy=greedy_right, total=len(tasks))
    return False, message("The vote got {vote} of {total} right, greedy {greedy}: at temperature 1.0 most samples are "
                          "wrong, so for many questions no sample names the capital, and for others it comes up once "
                          "among different answers, a tie the first sample wins. A vote needs the right answer to come up "
                          "more often than any one wrong answer.",
                          vote=vote_right, greedy=greedy_right, total=len(tasks))


PREDICTIONS = [
    Prediction("Predict: one sample at temperature 1.0 gets fewer capitals right than greedy decoding. Will a majority "
               "vote over 4 such samples per question get more of the 24 questions right than greedy does? Answer True "
               "or False.", vote_beats_greedy),
]
