"""caught_warnings (helpers/diagnostics.py): capture per thread, nothing printed of what it catches, none left over;
its hooks (warnings' private `_showwarnmsg`, a filter on the logging handlers) only while a block is open."""

from __future__ import annotations

import logging
import threading
import warnings

import pytest
from transformers.utils import logging as hf_logging

from helpers.diagnostics import _ROUTER, caught_warnings

ROUNDS = 200


class Recorder(logging.Handler):
    """A stand-in for the console: the messages of the transformers records that reach the handlers."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def console():
    """(log records that reached the handlers, Python warnings that were shown) while the test runs."""
    logger = hf_logging.get_logger("transformers")
    recorder = Recorder()
    logger.addHandler(recorder)
    try:
        with warnings.catch_warnings(record=True) as shown:  # unlike recwarn, keeps the default filters
            yield recorder.messages, shown
    finally:
        logger.removeHandler(recorder)


def emit(tag: str, i: int) -> list[str]:
    """One transformers log warning and one Python warning (the same text and line each time); their messages."""
    hf_logging.get_logger("transformers.generation.utils").warning(f"{tag} log {i}")
    warnings.warn(f"{tag} warns", UserWarning, stacklevel=1)
    return [f"{tag} log {i}", f"{tag} warns"]


def shown(console, tag: str) -> list[str]:
    """Everything of a tag's that reached the console."""
    records, recwarn = console
    messages = records + [str(w.message) for w in recwarn]
    return [m for m in messages if m.startswith(tag)]


def filtered_handlers() -> list[logging.Handler]:
    """The logging handlers, along the transformers logger's chain and the last resort, that carry the workbook's filter."""
    logger: logging.Logger | None = hf_logging.get_logger("transformers")
    handlers = [logging.lastResort]
    while logger:
        handlers += logger.handlers
        logger = logger.parent
    return [handler for handler in handlers if _ROUTER in handler.filters]


def global_state() -> tuple:
    """What a capture must leave as it found it: the logger's handlers and level, the warnings filters and hooks (the
    private `_showwarnmsg` included), and handlers without the workbook's filter."""
    logger = hf_logging.get_logger("transformers")
    return (logger.handlers[:], logger.level, warnings.filters[:], warnings.showwarning, warnings._showwarnmsg_impl,
            warnings._showwarnmsg, filtered_handlers())


def test_two_threads_each_catch_exactly_their_own(console, capfd):
    before = global_state()
    barrier = threading.Barrier(2, timeout=30)
    caught: dict[str, list[str]] = {}
    expected: dict[str, list[str]] = {"A": [], "B": []}

    def collect(tag: str) -> None:
        barrier.wait()
        with caught_warnings() as messages:
            barrier.wait()  # both threads are collecting from here on
            for i in range(ROUNDS):
                expected[tag] += emit(tag, i)
                if i % 20 == 0:
                    barrier.wait()
            barrier.wait()  # and until here
        caught[tag] = messages

    threads = [threading.Thread(target=collect, args=(tag,)) for tag in "AB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert caught == expected and len(caught["A"]) == 2 * ROUNDS
    assert shown(console, "A") == shown(console, "B") == []
    assert "warns" not in capfd.readouterr().err
    assert global_state() == before


def test_a_thread_that_does_not_collect_prints_as_before(console):
    started, done = threading.Event(), threading.Event()
    caught: list[str] = []

    def collect() -> None:
        with caught_warnings() as messages:
            started.set()
            done.wait(30)
        caught.extend(messages)

    thread = threading.Thread(target=collect)
    thread.start()
    started.wait(30)

    def other() -> None:
        for i in range(3):
            emit("other", i)

    bystander = threading.Thread(target=other)  # not started by the main thread's block: shows its warnings
    bystander.start()
    bystander.join()
    done.set()
    thread.join()
    assert caught == []
    assert shown(console, "other") == ["other log 0", "other log 1", "other log 2", "other warns"]  # warns: once


def test_helper_threads_of_a_collecting_main_thread_report_to_it(console):
    with caught_warnings() as messages:
        helper = threading.Thread(target=emit, args=("helper", 0))  # like exercises' time-limited runner
        helper.start()
        helper.join()
    assert sorted(messages) == ["helper log 0", "helper warns"] and shown(console, "helper") == []


def test_a_repeated_warning_is_caught_each_time_and_shown_again_after(console):
    emit("again", 0)  # shown once: warnings' registry now remembers this line
    with caught_warnings() as messages:
        for i in range(3):
            emit("again", i)
    assert sorted(messages) == ["again log 0", "again log 1", "again log 2", *["again warns"] * 3]
    emit("again", 3)
    assert shown(console, "again") == ["again log 0", "again log 3", "again warns", "again warns"]


def test_nested_blocks_catch_into_the_innermost(console):
    before = global_state()
    with caught_warnings() as outer:
        emit("outer", 0)
        with caught_warnings() as inner:
            emit("inner", 0)
        assert global_state() != before and filtered_handlers()  # the outer block still collects: hooks stay
        emit("outer", 1)
    assert sorted(inner) == ["inner log 0", "inner warns"]
    assert sorted(outer) == ["outer log 0", "outer log 1", "outer warns", "outer warns"]
    assert shown(console, "inner") == shown(console, "outer") == []
    assert global_state() == before


def test_no_hook_outlives_the_last_block(console):
    """warnings' private hook is the original again and no handler carries the workbook's filter once no block is
    open; nothing is shown differently after (a warning outside any block reaches the console)."""
    original = warnings._showwarnmsg
    before = global_state()
    with caught_warnings() as messages:
        assert warnings._showwarnmsg is not original and filtered_handlers()
        emit("inside", 0)
    assert warnings._showwarnmsg is original and filtered_handlers() == [] and global_state() == before
    emit("outside", 0)
    assert sorted(messages) == ["inside log 0", "inside warns"] and shown(console, "inside") == []
    assert shown(console, "outside") == ["outside log 0", "outside warns"]


def test_the_hooks_stay_while_any_thread_collects(console):
    """Thread A opens a block, then B; A closes first: B still collects (the hooks stay) until it closes, and only
    then are they taken away."""
    original = warnings._showwarnmsg
    a_open, b_open, a_closed = threading.Event(), threading.Event(), threading.Event()
    caught: dict[str, list[str]] = {}
    hooked_after_a: list[bool] = []

    def first() -> None:
        with caught_warnings() as messages:
            a_open.set()
            b_open.wait(30)
            emit("first", 0)
        caught["A"] = messages
        a_closed.set()

    def second() -> None:
        a_open.wait(30)
        with caught_warnings() as messages:
            b_open.set()
            a_closed.wait(30)
            hooked_after_a.append(warnings._showwarnmsg is not original and bool(filtered_handlers()))
            emit("second", 0)
        caught["B"] = messages

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {tag: sorted(messages) for tag, messages in caught.items()} == {
        "A": ["first log 0", "first warns"], "B": ["second log 0", "second warns"]}
    assert hooked_after_a == [True] and shown(console, "first") == shown(console, "second") == []
    assert warnings._showwarnmsg is original and filtered_handlers() == []


def test_below_warning_is_neither_printed_nor_caught(console):
    logger = hf_logging.get_logger("transformers")
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        with caught_warnings() as messages:
            hf_logging.get_logger("transformers.generation.utils").info("quiet info")
    finally:
        logger.setLevel(level)
    assert messages == [] and shown(console, "quiet") == []
