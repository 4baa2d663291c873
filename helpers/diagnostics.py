"""Catch what transformers warns about, so that a notebook can show a pitfall's warning as part of the lesson.

Capture is per thread, so the widgets' worker threads can collect while the main thread does: a logging filter on the
handlers a transformers record reaches and a hook on `warnings._showwarnmsg` (which catch_warnings leaves alone), put
in place at the first block and left there, hand a record to the collecting thread's list and pass any other on as is.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterator

from transformers.utils import logging as hf_logging

_STACKS: dict[int, tuple[list[str], ...]] = {}  # thread id -> its open blocks' lists, innermost last
_LOCK = threading.Lock()


def _collector() -> list[str] | None:
    """The list of the current thread's innermost block, else the main thread's (its helper threads report there)."""
    for ident in (threading.get_ident(), threading.main_thread().ident):
        stack = _STACKS.get(ident)  # a tuple replaced whole, never mutated: safe to read from any thread
        if stack:
            return stack[-1]
    return None


class _Router(logging.Filter):
    """Take a transformers record out of the handlers' way while its thread collects, keeping warnings and above."""

    def filter(self, record: logging.LogRecord) -> bool:
        messages = _collector()
        if messages is None or record.name.partition(".")[0] != "transformers":
            return True
        if record.levelno >= logging.WARNING and not getattr(record, "workbook_caught", False):
            record.workbook_caught = True  # several handlers see one record: collect it once
            messages.append(record.getMessage())
        return False


class _WhileCollecting:
    """A warnings-filter message pattern that matches any text, but only in a collecting thread."""

    def match(self, text: str) -> bool:
        return _collector() is not None


_ROUTER = _Router()
_ALWAYS = ("always", _WhileCollecting(), Warning, None, 0)  # a repeated warning is caught each time, not once


def _show(message: warnings.WarningMessage, _shown=warnings._showwarnmsg) -> None:
    """Collect a warning that a collecting thread raised; show any other as before."""
    messages = _collector()
    if messages is None:
        _shown(message)
    else:
        messages.append(str(message.message))


def _install() -> None:
    """Put the filter on the logging handlers a transformers record reaches, and the warnings hook and filter first."""
    logger: logging.Logger | None = hf_logging.get_logger("transformers")
    handlers = [logging.lastResort] if logging.lastResort else []
    while logger:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    with _LOCK:
        for handler in handlers:
            handler.addFilter(_ROUTER)  # a no-op when it is there already
        if warnings._showwarnmsg is not _show:
            warnings._showwarnmsg = _show
        if not warnings.filters or warnings.filters[0] is not _ALWAYS:
            with contextlib.suppress(ValueError):
                warnings.filters.remove(_ALWAYS)
            warnings.filters.insert(0, _ALWAYS)
        warnings._filters_mutated()  # forget which warnings were shown once already, as catch_warnings does


@contextlib.contextmanager
def caught_warnings() -> Iterator[list[str]]:
    """Collect Python warnings and transformers log warnings raised inside the block, instead of printing them.

    Only this thread's (and, for the main thread, its helper threads') warnings are caught; other threads print theirs.
    A warning repeated in the block is caught each time: a filter that matches only in collecting threads says
    "always", and entering the block resets the once-per-location memory, as warnings.catch_warnings does.
    """
    messages: list[str] = []
    ident = threading.get_ident()
    outer = _STACKS.get(ident, ())
    _install()
    _STACKS[ident] = (*outer, messages)
    try:
        yield messages
    finally:
        if outer:
            _STACKS[ident] = outer
        else:
            del _STACKS[ident]
