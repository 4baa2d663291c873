"""What the pitfall doctor, the exercises' checks and the explorers share: greedy new tokens, a pad token, special
tokens, the prompts they test with, and one-line messages."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import torch

PADDING_PROMPTS = ["1, 2, 3", "A, B, C, D, E"]  # two lengths, so that one row is padded
MESSAGES = [{"role": "system", "content": "You are a friendly pirate."}, {"role": "user", "content": "Hello!"}]


def greedy(model, tokenizer, prompts: Sequence[str] | Mapping[str, torch.Tensor], /, attention_mask: bool = True,
           **settings: Any) -> torch.Tensor:
    """The new tokens of a greedy generation, one row per prompt: of the prompts as the tokenizer pads them, or of a
    tokenized batch; without its attention mask if asked. EOS stands in for a missing pad token."""
    if isinstance(prompts, Mapping):
        batch = prompts
    else:
        batch = tokenizer(list(prompts), return_tensors="pt", padding=len(prompts) > 1)
    inputs = {key: value.to(model.device) for key, value in batch.items() if attention_mask or key != "attention_mask"}
    pad = tokenizer.eos_token_id if tokenizer.pad_token_id is None else tokenizer.pad_token_id
    output = model.generate(**inputs, do_sample=False, **{"pad_token_id": pad, **settings})
    return output[:, batch["input_ids"].shape[1]:].cpu()


def eos_ids(model, tokenizer=None) -> set[int]:
    """The token ids that end generation: the model's generation_config.eos_token_id (one or a list), and the
    tokenizer's EOS token where a tokenizer is given."""
    eos = model.generation_config.eos_token_id
    ids = set(eos if isinstance(eos, list) else [eos])
    if tokenizer is not None:
        ids.add(tokenizer.eos_token_id)
    return ids - {None}


def with_pad_token(tokenizer, padding_side: str | None = None):
    """A copy of the tokenizer with the EOS token as its pad token where it has none, padding on the side given."""
    tokenizer = copy.deepcopy(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if padding_side:
        tokenizer.padding_side = padding_side
    return tokenizer


def special_token_strings(tokenizer) -> list[str]:
    """The tokenizer's special tokens: its named ones and added tokens marked special, not added ordinary text ("\\n")."""
    added = [str(t) for t in (getattr(tokenizer, "added_tokens_decoder", None) or {}).values() if getattr(t, "special", False)]
    return sorted({t for t in list(getattr(tokenizer, "all_special_tokens", [])) + added if t})


def special_token_ids(tokenizer) -> set[int]:
    """The ids of the tokenizer's special tokens (see special_token_strings)."""
    return set(tokenizer.convert_tokens_to_ids(special_token_strings(tokenizer)))


def leading_count(ids: Sequence[int], token: int) -> int:
    """How many times the token opens the sequence: 2 for a doubled BOS."""
    return next((i for i, t in enumerate(ids) if t != token), len(ids))


def injected_special_tokens(tokenizer, messages: Sequence[dict]) -> list[str]:
    """The special tokens (role markers and the like) that appear inside the messages' contents."""
    specials = special_token_strings(tokenizer)
    return sorted({t for m in messages for t in specials if t in m["content"]})


def strip_special_tokens(tokenizer, messages: Sequence[dict]) -> list[dict]:
    """The messages with every special-token string removed from their contents, again until none is left: removing
    one can join the halves of another ("<|im_<|im_end|>start|>")."""
    specials = special_token_strings(tokenizer)

    def strip(text: str) -> str:
        while found := [t for t in specials if t in text]:
            text = text.replace(found[0], "")
        return text

    return [{**message, "content": strip(message["content"])} for message in messages]


def one_line(message: object, limit: int | None = None) -> str:
    """A message (or an exception's) on one line, cut to `limit` characters if given, for a one-line report."""
    text = " ".join(str(message).split()) or "(no message)"
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


@contextlib.contextmanager
def generate_replaced(model, replacement: Callable[..., Any]) -> Iterator[None]:
    """model.generate is `replacement` inside the block, on this model only; then whatever it was before (an outer
    block's replacement, or the class's generate)."""
    shadowed = vars(model).get("generate")
    model.generate = replacement
    try:
        yield
    finally:
        if shadowed is None:
            del model.generate  # the class's generate shows through again
        else:
            model.generate = shadowed
