"""Lesson 13's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/13/)."""

from __future__ import annotations

import numbers
import operator
from typing import Any

import torch
from transformers import AutoModelForCausalLM, GPT2Config, LlamaConfig, MixtralConfig

from helpers.exercises import Exercise, Fail, Prediction, Runner, kind_of
from helpers.language import Message, message

PREDICTION_TEXT = "The key/value cache of a language model stores the keys and values of every position it has seen"
# Configs whose caches tell the plausible formulas apart: grouped-query attention with a head dimension that is not
# hidden_size ÷ heads (as Qwen3's and Gemma's), so that key/value heads × head dimension is not hidden_size either; a
# config whose head_dim is None (Mixtral's); a GPT-2 config that has no num_key_value_heads at all; and 16-bit dtypes.
CONFIGS = [
    (message("grouped-query attention, head_dim set"),
     LlamaConfig(vocab_size=64, hidden_size=64, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
                 num_key_value_heads=2, head_dim=24), torch.bfloat16),
    (message("mixture of experts, head_dim None"),
     MixtralConfig(vocab_size=64, hidden_size=32, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
                   num_key_value_heads=1, num_local_experts=2, num_experts_per_tok=1), torch.float32),
    (message("GPT-2"), GPT2Config(vocab_size=64, n_embd=32, n_layer=2, n_head=4, n_positions=64, bos_token_id=0,
                          eos_token_id=0), torch.float32),
    (message("multi-head attention"), LlamaConfig(vocab_size=64, hidden_size=48, intermediate_size=64, num_hidden_layers=2,
                               num_attention_heads=3, num_key_value_heads=3), torch.float16),
]
SHAPES = [(7, 1), (5, 3)]  # (tokens, batch)


def measured_cache_bytes(model, tokens: int, batch: int) -> int:
    """The bytes of the cache a forward pass over a batch of `tokens` positions leaves behind."""
    ids = torch.randint(0, model.config.get_text_config().vocab_size, (batch, tokens), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        cache = model(input_ids=ids.to(model.device), use_cache=True).cache
    return sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)


def described(name: Message, config, dtype: torch.dtype) -> Message:
    """A config as the check's messages name it."""
    heads = config.num_attention_heads
    return message("the {name} config ({layers} layers, {heads} query heads, {kv} key/value heads, head dimension "
                   "{dim}) in {dtype}", name=name, layers=config.num_hidden_layers, heads=heads,
                   kv=getattr(config, "num_key_value_heads", None) or heads,
                   dim=getattr(config, "head_dim", None) or config.hidden_size // heads, dtype=str(dtype))


def check_cache_bytes(call: Runner, model, tokenizer) -> Message:
    """The answer equals the bytes of real caches, for the notebook's model and for configs built to tell formulas
    apart (tiny random models of each, built here)."""
    cases = [(message("this notebook's model"), model.config.get_text_config(), model.dtype, model)]
    for name, config, dtype in CONFIGS:
        torch.manual_seed(0)
        tiny = AutoModelForCausalLM.from_config(config, dtype=dtype).eval()
        cases.append((described(name, config, dtype), config, dtype, tiny))
    for what, config, dtype, built in cases:
        for tokens, batch in SHAPES:
            got = call(config, tokens, batch, dtype)
            if isinstance(got, bool) or not isinstance(got, numbers.Real) and not (
                    isinstance(got, torch.Tensor) and got.numel() == 1):
                raise Fail("{name} returned {kind}; it should return a number of bytes.", name=call.name,
                           kind=kind_of(got))
            want = measured_cache_bytes(built, tokens, batch)
            if float(got) != want:
                raise Fail("for {what}, {tokens} tokens × {batch} sequences: you return {got} bytes, but the cache "
                           "measures {want:,} bytes.", what=what, tokens=tokens, batch=batch, got=format(float(got), ",g"),
                           want=want)
    return message("your bytes equal the measured caches of {count} configs (grouped-query, mixture of experts, GPT-2, "
                   "multi-head; float32, bfloat16 and float16), at every batch and length tried.", count=len(cases))


def check_max_sequences(call: Runner, model, tokenizer) -> Message:
    """The largest whole number of sequences whose cache fits beside the weights, for machines small and large."""
    per_token = measured_cache_bytes(model, tokens=1, batch=1)
    weights = sum(parameter.nbytes for parameter in model.parameters())
    cases = [(per_token, 4096, 24 * 10**9, weights), (per_token, 512, weights + 3 * 512 * per_token - 1, weights),
             (per_token, 8192, weights + 2 * 8192 * per_token, weights), (per_token, 2048, weights // 2, weights)]
    wants = []
    for bytes_per_token, tokens, memory, weights_bytes in cases:
        got = call(bytes_per_token, tokens, memory, weights_bytes)
        want = max(0, (memory - weights_bytes) // (bytes_per_token * tokens))
        wants.append(want)
        if isinstance(got, bool) or not isinstance(got, numbers.Integral):
            raise Fail("{name} returned {kind}; it should return a whole number of sequences (an int).", name=call.name,
                       kind=kind_of(got))
        got = operator.index(got)
        if got < 0:
            raise Fail("with {memory:,} bytes of memory and weights of {weights:,} bytes, you answer {got} sequences: a "
                       "count below zero.", memory=memory, weights=weights_bytes, got=got)
        if got != want:
            used = weights_bytes + got * bytes_per_token * tokens
            raise Fail("with {memory:,} bytes of memory, weights of {weights:,} bytes and {tokens} tokens per sequence "
                       "at {per_token:,} bytes each, you answer {got}: {got} such sequences and the weights take "
                       "{used:,} bytes.", memory=memory, weights=weights_bytes, tokens=tokens, per_token=bytes_per_token,
                       got=got, used=used)
    return message("{count} machines, from one that cannot hold the weights to one with room for {most:,} sequences: "
                   "each answer is the most sequences that fit beside the weights.", count=len(cases), most=max(wants))


EXERCISES = [
    Exercise("cache_bytes", check_cache_bytes, fix="\"num_key_value_heads\", None) or heads", hints=(
        "print one layer's keys in a real cache, out.cache.layers[0].keys.shape, and compare each dimension "
        "with what your formula multiplies; then load the model in bfloat16 and look again.",
        "2 × num_hidden_layers × key/value heads (getattr(config, \"num_key_value_heads\", None) or "
        "num_attention_heads) × head dimension (getattr(config, \"head_dim\", None) or hidden_size // "
        "num_attention_heads) × dtype.itemsize × tokens × batch.")),
    Exercise("max_sequences", check_max_sequences, fix="memory - weights", hints=(
        "add up what your answer would put in memory: the weights, and each sequence's cache. Does it fit? Would one "
        "more sequence?",
        "the cache gets what the weights leave, (memory - weights), in whole sequences of bytes_per_token × tokens "
        "bytes: floor division, and never fewer than 0.")),
]


def cached_positions(model, tokenizer) -> tuple[Any, str | Message]:
    """How many positions the cache holds after 20 new tokens from a 10-token prompt."""
    ids = torch.tensor([tokenizer(PREDICTION_TEXT)["input_ids"][:10]], device=model.device)
    if ids.shape[1] < 10:
        return None, message("this tokenizer makes fewer than 10 tokens of the prompt.")
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=20, min_new_tokens=20, do_sample=False,
                         pad_token_id=tokenizer.eos_token_id, return_dict_in_generate=True)
    return out.cache.get_seq_length(), message(
        "The cache holds the prompt's 10 positions and the new tokens fed back, 19 of 20: the last new token is returned "
        "without being fed to the model, so its keys and values are never computed.")


PREDICTIONS = [
    Prediction("Predict: generate continues a 10-token prompt with exactly 20 new tokens (return_dict_in_generate=True). "
               "How many positions does the returned cache, out.cache, hold? Answer with a number.",
               cached_positions),
]
