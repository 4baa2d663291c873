"""Lesson 02's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/02/)."""

from __future__ import annotations

import functools
import os
from numbers import Integral
from typing import Any

from helpers import DATA_DIR
from helpers.exercises import Exercise, Fail, Prediction, Runner, kind_of
from helpers.language import Message, message

REPLACEMENT = "\ufffd"  # what decode gives for bytes that are not a whole UTF-8 character
LANGUAGE_NAMES = {"English": message("English"), "Arabic": message("Arabic")}  # the samples' languages, as said


def samples() -> dict[str, str]:
    """The lesson's six sentences, joined, in English and in Arabic."""
    pairs = [line.split("\t") for line in (DATA_DIR / "english_arabic.tsv").read_text(encoding="utf-8").splitlines()]
    return {"English": " ".join(english for english, _ in pairs), "Arabic": " ".join(arabic for _, arabic in pairs)}


def check_new_text_pieces(call: Runner, model, tokenizer) -> Message:
    """One piece per id; printed in order, after each id they show the text that is complete by then, never more."""
    held = {}
    for name, text in samples().items():
        language = LANGUAGE_NAMES[name]
        ids = tokenizer(text.split(".")[0], add_special_tokens=False)["input_ids"]
        pieces = call(tokenizer, ids)
        if not (isinstance(pieces, list) and all(isinstance(piece, str) for piece in pieces)):
            raise Fail("{name} returned {kind}; it should return a list of strings, one per id.", name=call.name,
                       kind=kind_of(pieces))
        if len(pieces) != len(ids):
            raise Fail("for {ids} ids you returned {pieces} pieces; there should be one per id, \"\" when there is "
                       "nothing to print yet.", ids=len(ids), pieces=len(pieces))
        whole = tokenizer.decode(ids)
        if "".join(pieces) != whole:
            broken = "".join(pieces).count(REPLACEMENT)
            raise Fail("printed one after the other, your pieces show {shown!r} for the {language_name} sentence "
                       "{whole!r}, with {broken} broken characters (\\ufffd)." if broken else
                       "printed one after the other, your pieces show {shown!r} for the {language_name} sentence "
                       "{whole!r}.", shown="".join(pieces), language_name=language, whole=whole, broken=broken)
        for end in range(1, len(ids) + 1):
            shown = "".join(pieces[:end])
            ready = os.path.commonprefix([tokenizer.decode(ids[:end]), whole])  # what these ids already fix
            if not whole.startswith(shown) or len(shown) < len(ready):
                raise Fail("in the {language_name} sentence, once id {end} of {ids} has arrived your pieces have "
                           "printed {shown!r}, where {ready!r} is complete and could be shown.",
                           language_name=language, end=end, ids=len(ids), shown=shown, ready=ready)
        held[name] = sum(piece == "" for piece in pieces)
    return message("your pieces print each sentence whole, with no broken character, and each character as soon as its "
                   "last byte arrives: {held} of the ids had to wait for the next one.", held=sum(held.values()))


def check_token_budget(call: Runner, model, tokenizer) -> Message:
    """The budget covers the words at the sample's own tokens-per-word rate, with at most half as much again."""
    budgets = []
    for name, sample in samples().items():
        language = LANGUAGE_NAMES[name]
        rate = len(tokenizer(sample, add_special_tokens=False)["input_ids"]) / len(sample.split())
        for words in (20, 50):
            budget = call(tokenizer, sample, words)
            if not isinstance(budget, Integral) or isinstance(budget, bool):
                raise Fail("{name} returned {kind}; max_new_tokens takes a whole number.", name=call.name,
                           kind=kind_of(budget))
            need = rate * words
            if budget < need:
                raise Fail("for {words} words like the {language_name} sample your budget is {budget} tokens, but at "
                           "that sample's rate {words} words take about {need:.0f} tokens: the reply would stop after "
                           "about {reach:.0f} words.", words=words, language_name=language, budget=budget,
                           need=need, reach=budget / rate)
            if budget > 1.5 * need + 1:
                raise Fail("for {words} words like the {language_name} sample your budget is {budget} tokens, more "
                           "than half as much again as the {need:.0f} tokens they take at that sample's rate.",
                           words=words, language_name=language, budget=budget, need=need)
        budgets.append(message("{budget} tokens for 50 {language_name} words", budget=budget, language_name=language))
    return message("your budgets follow each sample's own rate: {budgets}.", budgets=functools.reduce(
        lambda first, then: message("{first} and {then}", first=first, then=then), budgets))


EXERCISES = [
    Exercise("new_text_pieces", check_new_text_pieces, fix="ids[:", hints=(
        "decode an Arabic token that shows a broken character on its own, then together with the id after it: what changes?",
        "at each step decode all the ids so far, tokenizer.decode(ids[:end]), print only the part you have not printed, "
        "and hold back a trailing '\\ufffd' (str.rstrip).")),
    Exercise("token_budget", check_token_budget, fix="len(sample.split())", hints=(
        "compare the rule of thumb with the lesson's table: how many tokens does a word of each language take here?",
        "measure the sample: its tokens, len(tokenizer(sample, add_special_tokens=False)['input_ids']), divided by its "
        "words, len(sample.split()); multiply by the words asked for, and leave a little room.")),
]

GREETING = "أهلا"  # "hello"; its first letter, alef with hamza, is one of the letters this tokenizer splits


def greeting_one_token_at_a_time(model, tokenizer) -> tuple[Any, str | Message]:
    """Whether decoding the greeting's tokens one at a time and joining the pieces gives the greeting back."""
    ids = tokenizer(GREETING, add_special_tokens=False)["input_ids"]
    pieces = [tokenizer.decode([token]) for token in ids]
    same = "".join(pieces) == GREETING
    return same, message(
        "{greeting!r} has {letters} letters, {bytes} UTF-8 bytes and {tokens} tokens, decoded alone as {pieces}. "
        "{verdict}",
        greeting=GREETING, letters=len(GREETING), bytes=len(GREETING.encode("utf-8")), tokens=len(ids), pieces=pieces,
        verdict=message("Every token boundary fell between two letters here." if same else
                        "A token boundary falls inside a letter: each half is not a character on its own, and decodes "
                        "to \\ufffd. The section below shows it on a whole sentence."))


PREDICTIONS = [  # a question is a template without fields: it spells GREETING out
    Prediction("Predict: the Arabic greeting 'أهلا' ('hello') is encoded, then each of its tokens is decoded on "
               "its own and the pieces are joined. Do you get the greeting back? Answer True or False.",
               greeting_one_token_at_a_time),
]
