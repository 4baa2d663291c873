"""Catch what transformers warns about, so that a notebook can show a pitfall's warning as part of the lesson."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

from transformers.utils import logging as hf_logging


class _Collector(logging.Handler):
    """A logging handler that appends each record's message to a list."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def caught_warnings() -> Iterator[list[str]]:
    """Collect Python warnings and transformers log warnings raised inside the block, instead of printing them."""
    messages: list[str] = []
    logger = hf_logging.get_logger("transformers")
    saved_handlers = logger.handlers[:]
    logger.handlers = [_Collector(messages)]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
    finally:
        logger.handlers = saved_handlers
        messages.extend(str(w.message) for w in caught)
