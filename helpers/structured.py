"""Constrained output: llguidance's tokenizer, a checked grammar for a JSON schema, notebook 11's logits processor (kept
here, as the notebook writes it, for later lessons), and the replies' verdicts."""

from __future__ import annotations

import json
import re
import weakref
from typing import Any

import jsonschema
import llguidance.hf
import torch
from llguidance import LLMatcher, LLTokenizer
from transformers import LogitsProcessor, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from helpers.generation import one_line

_LL_TOKENIZERS: weakref.WeakKeyDictionary[PreTrainedTokenizerBase, tuple[int, LLTokenizer]] = weakref.WeakKeyDictionary()
_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)


def ll_tokenizer(tokenizer: PreTrainedTokenizerBase) -> LLTokenizer:
    """llguidance's view of a fast tokenizer, built once per tokenizer (it takes about half a second)."""
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise ValueError(f"llguidance needs a fast tokenizer, not {type(tokenizer).__name__}: "
                         "load it with AutoTokenizer.from_pretrained(name) (use_fast=True, the default).")
    cached = _LL_TOKENIZERS.get(tokenizer)
    if cached is None or cached[0] != len(tokenizer):  # tokens added since: build it again
        cached = (len(tokenizer), llguidance.hf.from_tokenizer(tokenizer))
        _LL_TOKENIZERS[tokenizer] = cached
    return cached[1]


def json_schema_grammar(schema: dict[str, Any] | str, tokenizer: PreTrainedTokenizerBase | None = None) -> str:
    """The llguidance grammar for a JSON schema; ValueError, in one line, when llguidance cannot compile it."""
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except json.JSONDecodeError as error:
            raise ValueError(f"The schema is not JSON ({error}). Fix: pass a dict, or a string that json.loads accepts.") from None
    grammar = LLMatcher.grammar_from_json_schema(schema)
    problem = LLMatcher.validate_grammar(grammar)
    if not problem and tokenizer is not None:
        matcher = LLMatcher(ll_tokenizer(tokenizer), grammar)
        problem = matcher.get_error() if matcher.is_error() else ""
    if problem:
        raise ValueError(f"llguidance cannot compile this JSON schema: {one_line(problem)}. "
                         "Fix: correct that part of the schema, or drop the keyword if llguidance does not support it.")
    return grammar


class JSONSchemaLogitsProcessor(LogitsProcessor):
    """Lets each row of a batch produce only JSON that matches the schema, then EOS."""

    def __init__(self, tokenizer, schema):
        self.ll_tokenizer = ll_tokenizer(tokenizer)  # llguidance's view of the vocabulary
        self.grammar = json_schema_grammar(schema, tokenizer)  # a ValueError here if the schema cannot compile
        self.matchers, self.previous = [], None

    def __call__(self, input_ids, scores):
        previous, self.previous = self.previous, input_ids
        if previous is None or input_ids.shape[1] != previous.shape[1] + 1 or not torch.equal(input_ids[:, :-1], previous):
            self.matchers = [LLMatcher(self.ll_tokenizer, self.grammar) for _ in input_ids]  # a new generate call
        else:
            for matcher, token in zip(self.matchers, input_ids[:, -1].tolist()):
                if not matcher.is_stopped():  # a finished row is fed pad tokens: not its text
                    matcher.consume_token(token)
        allowed = torch.zeros_like(scores, dtype=torch.bool)
        for row, matcher in enumerate(self.matchers):
            if matcher.is_error():
                error = " ".join(matcher.get_error().split())  # one line
                raise RuntimeError(f"row {row}: {error}. Put this processor last, and do not use beam search.")
            if matcher.is_stopped():  # the JSON is complete: only EOS from now on
                allowed[row, self.ll_tokenizer.eos_token] = True
            else:
                mask = torch.frombuffer(bytearray(matcher.compute_logit_bias()), dtype=torch.uint8) > 0
                allowed[row, : len(mask)] = mask[: scores.shape[1]]
        return scores.masked_fill(~allowed, float("-inf"))


def fenced_json(text: str) -> str:
    """The text of the first ```json fence in a reply, or the reply itself when it has none."""
    found = _FENCE.search(text)
    return found.group(1) if found else text


def json_validity(text: str, schema: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the text parses with json.loads, and whether what it parses to validates against the schema."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return False, False
    return True, jsonschema.Draft202012Validator(schema).is_valid(value)
