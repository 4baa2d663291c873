"""Catch what transformers warns about, so that a notebook can show a pitfall's warning as part of the lesson.

Capture is per thread, so the widgets' worker threads can collect while the main thread does: a logging filter on the
handlers a transformers record reaches and a hook on `warnings._showwarnmsg` (which catch_warnings leaves alone) hand a
record to the collecting thread's list and pass any other on as is. They are in place only while a block is open in
some thread: the first block to open puts them there, the last to close takes them away (both under one lock), so no
patch of warnings' private hook outlives the blocks that need it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterator

from transformers.utils import logging as hf_logging

_STACKS: dict[int, tuple[list[str], ...]] = {}  # thread id -> its open blocks' lists, innermost last
_LOCK = threading.Lock()  # held to open or close a block, and so to put the hooks in place or take them away
_FILTERED: set[logging.Handler] = set()  # the handlers that carry the router, while a block is open
_BEFORE = [warnings._showwarnmsg]  # the warnings hook that _show stands in for (the one found when it was put there)


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


def _show(message: warnings.WarningMessage) -> None:
    """Collect a warning that a collecting thread raised; show any other as before."""
    messages = _collector()
    if messages is None:
        _BEFORE[0](message)
    else:
        messages.append(str(message.message))


def _handlers() -> list[logging.Handler]:
    """The logging handlers a transformers record reaches now, the last resort included."""
    logger: logging.Logger | None = hf_logging.get_logger("transformers")
    handlers = [logging.lastResort] if logging.lastResort else []
    while logger:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    return handlers


def _open(messages: list[str]) -> tuple[list[str], ...]:
    """Collect into `messages` in this thread, putting the hooks in place if no block was open; this thread's outer lists."""
    handlers, ident = _handlers(), threading.get_ident()
    with _LOCK:
        if not _STACKS and warnings._showwarnmsg is not _show:
            _BEFORE[0], warnings._showwarnmsg = warnings._showwarnmsg, _show
        for handler in handlers:  # each block: a handler added since the first block is covered too
            handler.addFilter(_ROUTER)  # a no-op when it is there already
        _FILTERED.update(handlers)
        if not warnings.filters or warnings.filters[0] is not _ALWAYS:  # catch_warnings may have swapped the list
            with contextlib.suppress(ValueError):
                warnings.filters.remove(_ALWAYS)
            warnings.filters.insert(0, _ALWAYS)
        warnings._filters_mutated()  # forget which warnings were shown once already, as catch_warnings does
        outer = _STACKS.get(ident, ())
        _STACKS[ident] = (*outer, messages)
    return outer


def _close(outer: tuple[list[str], ...]) -> None:
    """End this thread's innermost block, taking the hooks away if it was the last block open in any thread."""
    ident = threading.get_ident()
    with _LOCK:
        if outer:
            _STACKS[ident] = outer
        else:
            del _STACKS[ident]
        if _STACKS:
            return
        for handler in _FILTERED:
            handler.removeFilter(_ROUTER)
        _FILTERED.clear()
        if warnings._showwarnmsg is _show:  # not if another hook replaced it since: that one stays
            warnings._showwarnmsg = _BEFORE[0]
        with contextlib.suppress(ValueError):
            warnings.filters.remove(_ALWAYS)
        warnings._filters_mutated()


@contextlib.contextmanager
def caught_warnings() -> Iterator[list[str]]:
    """Collect Python warnings and transformers log warnings raised inside the block, instead of printing them.

    Only this thread's (and, for the main thread, its helper threads') warnings are caught; other threads print theirs.
    A warning repeated in the block is caught each time: a filter that matches only in collecting threads says
    "always", and entering the block resets the once-per-location memory, as warnings.catch_warnings does.
    """
    messages: list[str] = []
    outer = _open(messages)
    try:
        yield messages
    finally:
        _close(outer)
