"""Interactive explorers for the notebooks: plain callbacks of the knob values, and the ipywidgets that wire them.

A lesson's explorers are a module of this package, `lesson_NN.py`. Each builder shows the result of its default
settings as ordinary cell output (what nbval compares and what a reader sees without a kernel) and returns the
widget, whose own output area redraws when a control changes. Generation runs in a worker thread, and a newer request
stops the running one: only the latest result is drawn. This module holds what every explorer shares.

Each builder takes `language` ("en" or "ar"): what the widget says in words (labels, buttons, status, results, bad-input
messages) is a template of helpers.language said in it; identifiers, numbers and the model's own text stay as they are.
A line of words it prints or shows as text is laid out in the language's direction (helpers.language.displayed: inside
a right-to-left isolate for Arabic); the model's own text is shown as it is.
"""

from __future__ import annotations

import base64
import functools
import itertools
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import ipywidgets as widgets
import torch
from IPython.core.pylabtools import print_figure
from IPython.display import display
from matplotlib.figure import Figure
from transformers import StoppingCriteria, StoppingCriteriaList

from helpers.language import Message, displayed, message, say

Stale = Callable[[], bool]
SLIDER = dict(continuous_update=False, style={"description_width": "initial"})
BUSY_MESSAGE = message("generating…")  # what an explorer shows while its generation runs, in its language
BUSY = BUSY_MESSAGE.template  # its English text (the browser test waits past it)


def per_object_cache(function: Callable) -> Callable:
    """Cache a function's results per first argument (a model or a tokenizer), held weakly: the cached results go when
    that object does, instead of keeping a deleted model alive. The other arguments must be hashable."""
    caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @functools.wraps(function)
    def cached(owner: Any, *args: Any) -> Any:
        results = caches.setdefault(owner, {})
        if args not in results:
            results[args] = function(owner, *args)
        return results[args]

    return cached


# ---------------------------------------------------------------- latest wins: one job at a time, newer stops older

class StopWhenStale(StoppingCriteria):
    """A stopping criterion that ends generate() as soon as its request is no longer the latest."""

    def __init__(self, stale: Stale) -> None:
        self.stale = stale

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self.stale(), dtype=torch.bool, device=input_ids.device)


def stopping(stale: Stale | None) -> StoppingCriteriaList:
    """The stopping criteria for generate(): stop when stale, if a staleness check is given."""
    return StoppingCriteriaList([StopWhenStale(stale)] if stale else [])


class LatestWins:
    """Run jobs one at a time in a worker thread: a newer request stops the running job and skips queued ones."""

    def __init__(self, draw: Callable[[Any], None], fail: Callable[[Exception], None]) -> None:
        self.draw, self.fail = draw, fail
        self._tickets = itertools.count(1)
        self._latest = 0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="widget")
        self._future: Future | None = None

    def submit(self, job: Callable[[Stale], Any]) -> Future:
        """Queue job(stale); it returns None unrun if a newer request came first, and is drawn only if still latest."""
        ticket = self._latest = next(self._tickets)
        def stale():
            return ticket != self._latest

        def run() -> Any:
            if stale():
                return None
            try:
                result = job(stale)
            except Exception as error:  # noqa: BLE001 - shown in the widget, not as a traceback in the log
                if not stale():
                    self.fail(error)
                return None
            if not stale():
                self.draw(result)
            return result

        self._future = self._worker.submit(run)
        return self._future

    def cancel(self) -> None:
        """Stop the running job and skip the queued ones, submitting nothing new."""
        self._latest = next(self._tickets)

    def wait(self, timeout: float = 60) -> None:
        """Block until the latest job has finished (for tests and measurements)."""
        if self._future is not None:
            self._future.result(timeout)


# ---------------------------------------------------------------- showing results: in the cell, or in an Output widget

def _output(item: Any) -> dict[str, Any]:
    """One item (text, figure, or anything with a mimebundle) as a notebook output dict."""
    if isinstance(item, str):
        return {"output_type": "stream", "name": "stdout", "text": item + "\n"}
    if isinstance(item, Figure):
        data = {"image/png": base64.b64encode(print_figure(item, "png")).decode(), "text/plain": repr(item)}
    elif hasattr(item, "_repr_mimebundle_"):
        data = item._repr_mimebundle_()
    else:
        data = {"text/plain": repr(item)} | ({"text/html": item._repr_html_()} if hasattr(item, "_repr_html_") else {})
    return {"output_type": "display_data", "data": data, "metadata": {}}


def show(out: widgets.Output, *items: Any) -> None:
    """Replace what an Output widget shows with the items, in one update."""
    out.outputs = tuple(_output(item) for item in items)


def show_static(*items: Any) -> None:
    """Show the items as the cell's own output: text printed, anything else displayed."""
    for item in items:
        print(item) if isinstance(item, str) else display(item)


class Explorer(widgets.VBox):
    """A column of controls above an output area; its plain-text form says what it is."""

    def __init__(self, name: str | Message, controls: dict[str, widgets.Widget], status: widgets.HTML,
                 *outputs: widgets.Output, runner: LatestWins | None = None, language: str = "en") -> None:
        super().__init__([widgets.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}), status, *outputs])
        self.name, self.controls, self.status, self.outputs, self.runner = name, controls, status, outputs, runner
        self.output, self.language = outputs[0], language

    def __repr__(self) -> str:
        return displayed(self.language, say(self.language, "{name} (a live widget: run this notebook in Jupyter and move "
                                            "its controls)", name=self.name))


def italic(text: str) -> str:
    """A status line's text as the HTML widget shows it (the markup stays out of the translated templates)."""
    return f"<i>{text}</i>"


def explorer_parts(language: str = "en") -> tuple[widgets.Output, widgets.HTML]:
    """An empty output area and a status line that says where the default result is."""
    status = say(language, "The default settings' result is shown above; change a control to redraw here.")
    return widgets.Output(), widgets.HTML(italic(status))


def warning(text: str, language: str = "en") -> str:
    """A bad-input message as the widget shows it, in the direction of the language it is said in (an exception's own
    English text: "en")."""
    return displayed(language, "⚠ " + text)


def run_or_warn(runner: LatestWins, output: widgets.Output, problem: str | None, job: Callable[[Stale], Any],
                language: str = "en") -> None:
    """Show the bad-input message and stop the running job, or show BUSY (in the language) and start the job (the
    latest wins)."""
    if problem:
        runner.cancel()
        return show(output, warning(problem, language))
    show(output, displayed(language, say(language, BUSY_MESSAGE)))
    runner.submit(job)
