"""Constrained output: force generate's tokens to follow a JSON schema with llguidance, one token mask per step."""

from __future__ import annotations

import json
import re
import time
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
    """A logits processor that lets each row of a batch produce only JSON matching the schema, then EOS.

    One processor may serve several generate calls: a step whose input_ids do not extend the previous step's by one
    token per row starts a new call (a prompt that is the previous call's whole output continues that output's JSON).
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, schema: dict[str, Any] | str) -> None:
        self.tokenizer = ll_tokenizer(tokenizer)
        self.grammar = json_schema_grammar(schema, tokenizer)
        self.eos_token_id = self.tokenizer.eos_token
        self.matchers: list[LLMatcher] = []
        self.previous: torch.Tensor | None = None  # the last step's input_ids: what the next step extends by one token
        self.mask_seconds = 0.0  # time spent computing masks, summed over every step and row
        self.steps = 0

    def continues(self, previous: torch.Tensor | None, input_ids: torch.Tensor) -> bool:
        """Whether input_ids are the previous step's, one token longer in every row (else a new call has begun)."""
        return (previous is not None and len(self.matchers) == input_ids.shape[0] == previous.shape[0]
                and input_ids.shape[1] == previous.shape[1] + 1 and torch.equal(input_ids[:, :-1], previous))

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """Consume each row's previous token, then set to -inf every token its grammar does not allow next."""
        started = time.perf_counter()
        previous, self.previous = self.previous, input_ids
        if not self.continues(previous, input_ids):  # a new generate call: fresh matchers
            self.matchers = [LLMatcher(self.tokenizer, self.grammar) for _ in range(input_ids.shape[0])]
        else:
            for matcher, token in zip(self.matchers, input_ids[:, -1].tolist()):
                if not matcher.is_stopped():  # a finished row is fed pad tokens: they are not its text
                    matcher.consume_token(token)
        allowed = torch.zeros(scores.shape, dtype=torch.bool)  # columns past the tokenizer's vocabulary stay forbidden
        for row, matcher in enumerate(self.matchers):
            if matcher.is_error():
                raise RuntimeError(f"llguidance rejected row {row}'s token: {one_line(matcher.get_error())}. "
                                   "Put this processor last in logits_processor, and use greedy search or sampling, "
                                   "not beam search.")
            if matcher.is_stopped():
                allowed[row, self.eos_token_id] = True  # the JSON is complete: only EOS, until the batch ends
            else:
                bias = torch.frombuffer(bytearray(matcher.compute_logit_bias()), dtype=torch.uint8)
                allowed[row, : len(bias)] = bias[: scores.shape[1]] > 0
        self.mask_seconds += time.perf_counter() - started
        self.steps += 1
        return scores.masked_fill(~allowed.to(scores.device), float("-inf"))


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
