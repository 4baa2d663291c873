"""Tool calls with the default model: the workbook's chat template that renders tools for SmolLM2's tokens, the response
template that reads its calls back (`tokenizer.parse_response`), and the JSON schema of a valid call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from transformers.utils import get_json_schema

from helpers import DATA_DIR

TOOL_TEMPLATE = (DATA_DIR / "templates" / "tool_calls.jinja").read_text()
# How parse_response reads a reply of TOOL_TEMPLATE's format: the reply starts after the anchor, each JSON object between
# <tool_call> tags becomes one entry of "tool_calls" in the OpenAI shape, and the text around them, up to <|im_end|>, is
# "content" (its pieces joined by a newline: without "repeats", a piece after a call would replace the one before it).
RESPONSE_TEMPLATE: dict[str, Any] = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "tool_calls": {"open_pattern": r"\s*<tool_call>", "close": "</tool_call>", "repeats": True, "content": "json",
                       "transform": {"type": "function", "function": "{content}"}},
        "content": {"close_pattern": r"\s*<\|im_end\|>", "content": "text", "repeats": True, "join": "\n"},
    },
}


def call_schema(tools: Sequence[Callable | dict[str, Any]]) -> dict[str, Any]:
    """The JSON schema of one valid call: the name of one of the tools and exactly the arguments its parameters allow."""
    schemas = [tool if isinstance(tool, dict) else get_json_schema(tool) for tool in tools]
    return {"anyOf": [{
        "type": "object",
        "properties": {"name": {"const": schema["function"]["name"]},
                       "arguments": {**schema["function"]["parameters"], "additionalProperties": False}},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    } for schema in schemas]}
