"""Thinking with the default model: the workbook's chat template with an `enable_thinking` switch for SmolLM2's tokens,
and the response template that reads a reply's thinking and answer apart (`tokenizer.parse_response`)."""

from __future__ import annotations

from typing import Any

from helpers import DATA_DIR

THINKING_TEMPLATE = (DATA_DIR / "templates" / "thinking.jinja").read_text()
# How parse_response reads a reply of THINKING_TEMPLATE's format: the reply starts after the anchor, the text after
# <think> is "reasoning_content" (the field transformers serve streams apart) up to </think>, or up to <|im_end|> for a
# reply that ends inside it; the rest up to <|im_end|> is "content". The prompt (prefix=) tells the parser that the
# template opened <think> itself.
RESPONSE_TEMPLATE: dict[str, Any] = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "reasoning_content": {"open": "<think>", "close_pattern": r"</think>|(?=<\|im_end\|>)", "content": "text"},
        "content": {"close_pattern": r"\s*<\|im_end\|>", "content": "text"},
    },
}
