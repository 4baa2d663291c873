"""Interactive explorers for the notebooks: plain callbacks of the knob values, and the ipywidgets that wire them.

Each builder shows the result of its default settings as ordinary cell output (what nbval compares and what a
reader sees without a kernel) and returns the widget, whose own output area redraws when a control changes.
Generation runs in a worker thread, and a newer request stops the running one: only the latest result is drawn.
"""

from __future__ import annotations

import base64
import copy
import functools
import html
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import torch
from IPython.core.pylabtools import print_figure
from IPython.display import display
from matplotlib.figure import Figure
from transformers import (MinPLogitsWarper, StoppingCriteria, StoppingCriteriaList, StopStringCriteria,
                          TemperatureLogitsWarper, TextIteratorStreamer, TopKLogitsWarper, TopPLogitsWarper, set_seed)

from helpers.diagnostics import caught_warnings
from helpers.plots import next_token_bars, padding_heatmap

Stale = Callable[[], bool]
SLIDER = dict(continuous_update=False, style={"description_width": "initial"})
BUSY = "generating…"  # what an explorer shows while its generation runs (the browser test waits past it)


# ---------------------------------------------------------------- bad input: a one-line message, or None

def sampling_problem(prompt: str, temperature: float, top_k: int, top_p: float, min_p: float) -> str | None:
    """What is wrong with the sampling settings, in one line naming the fix; None when they are usable."""
    if not prompt.strip():
        return "The prompt is empty: type a few words to continue."
    if temperature <= 0:
        return f"temperature must be above 0: got {temperature} (temperature 0 means greedy decoding, do_sample=False)."
    if top_k < 0:
        return f"top-k must be 0 (off) or more: got {top_k}."
    if not 0 < top_p <= 1:
        return f"top-p must be above 0 and at most 1: got {top_p} (1 keeps every token)."
    if not 0 <= min_p <= 1:
        return f"min-p must be between 0 (off) and 1: got {min_p}."
    return None


def length_problem(prompt: str, max_new_tokens: int, min_new_tokens: int) -> str | None:
    """What is wrong with the length settings, in one line naming the fix; None when they are usable."""
    if not prompt.strip():
        return "The prompt is empty: type a question or a few words to continue."
    if max_new_tokens < 1:
        return f"max_new_tokens must be at least 1: got {max_new_tokens}."
    if min_new_tokens > max_new_tokens:
        return (f"min_new_tokens ({min_new_tokens}) is above max_new_tokens ({max_new_tokens}): "
                "lower it or raise max_new_tokens.")
    return None


def padding_problem(prompts: Sequence[str]) -> str | None:
    """What is wrong with the prompts to batch, in one line naming the fix; None when they are usable."""
    if not prompts:
        return "No prompts: type one prompt per line, two or more of different lengths."
    return None


def chat_problem(messages: Sequence[dict[str, str]], add_generation_prompt: bool,
                 continue_final_message: bool) -> str | None:
    """What is wrong with the messages and switches, in one line naming the fix; None when they are usable."""
    if not any(m["role"] == "user" for m in messages):
        return "The messages have no user turn: add a line such as 'user: Where is the treasure?'."
    if add_generation_prompt and continue_final_message:
        return "add_generation_prompt and continue_final_message exclude each other: untick one."
    if continue_final_message and messages[-1]["role"] != "assistant":
        return "continue_final_message continues an assistant turn: end the messages with an 'assistant: …' line."
    return None


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
        stale = lambda: ticket != self._latest

        def run() -> Any:
            if stale():
                return None
            try:
                result = job(stale)
            except Exception as error:  # shown in the widget, not as a traceback in the log
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

    def __init__(self, name: str, controls: dict[str, widgets.Widget], status: widgets.HTML, *outputs: widgets.Output,
                 runner: LatestWins | None = None) -> None:
        super().__init__([widgets.HBox(list(controls.values()), layout={"flex_flow": "row wrap"}), status, *outputs])
        self.name, self.controls, self.status, self.outputs, self.runner = name, controls, status, outputs, runner
        self.output = outputs[0]

    def __repr__(self) -> str:
        return f"{self.name} (a live widget: run this notebook in Jupyter and move its controls)"


def _explorer_parts() -> tuple[widgets.Output, widgets.HTML]:
    """An empty output area and a status line that says where the default result is."""
    status = "<i>The default settings' result is shown above; change a control to redraw here.</i>"
    return widgets.Output(), widgets.HTML(status)


def _warning(text: str) -> str:
    """A bad-input message as the widget shows it."""
    return f"⚠ {text}"


def _run_or_warn(runner: LatestWins, output: widgets.Output, problem: str | None, job: Callable[[Stale], Any]) -> None:
    """Show the bad-input message and stop the running job, or show BUSY and start the job (the latest wins)."""
    if problem:
        runner.cancel()
        return show(output, _warning(problem))
    show(output, BUSY)
    runner.submit(job)


# ---------------------------------------------------------------- sampling playground (notebook 03)

@functools.lru_cache(maxsize=16)
def prompt_scores(model: Any, tokenizer: Any, prompt: str) -> torch.Tensor:
    """The model's next-token scores after the prompt (float32, CPU); cached: a slider move costs no forward pass."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    with torch.inference_mode():
        return model(**inputs).logits[0, -1].float().cpu()


def next_token_distribution(scores: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                            min_p: float = 0.0) -> torch.Tensor:
    """Next-token probabilities after transformers' own warpers, in generate()'s order (0 / 1.0 switch one off)."""
    warpers = [TemperatureLogitsWarper(float(temperature)) if temperature != 1.0 else None,
               TopKLogitsWarper(int(top_k)) if top_k else None,
               TopPLogitsWarper(float(top_p)) if top_p < 1.0 else None,
               MinPLogitsWarper(float(min_p)) if min_p else None]
    processed = scores[None].clone()
    for warper in filter(None, warpers):
        processed = warper(None, processed)
    return torch.softmax(processed[0], dim=-1)


def sample_continuation(model: Any, tokenizer: Any, prompt: str, seed: int, temperature: float = 1.0, top_k: int = 0,
                        top_p: float = 1.0, min_p: float = 0.0, max_new_tokens: int = 24,
                        stale: Stale | None = None) -> str:
    """A sampled continuation of the prompt with these settings; the same seed gives the same text."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    set_seed(seed)
    output = model.generate(**inputs, do_sample=True, temperature=temperature, top_k=top_k, top_p=top_p,
                            min_p=min_p or None, max_new_tokens=max_new_tokens, stopping_criteria=stopping(stale))
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


def distribution_view(model: Any, tokenizer: Any, prompt: str, temperature: float, top_k: int, top_p: float,
                      min_p: float, top: int = 15, chart: Figure | None = None) -> list[Any]:
    """The playground's redraw: a one-line summary and a chart of the most likely tokens before and after.

    Given the chart of an earlier redraw for the same prompt, only its bars and title change (faster than a new one).
    """
    scores = prompt_scores(model, tokenizer, prompt)
    original, processed = torch.softmax(scores, -1), next_token_distribution(scores, temperature, top_k, top_p, min_p)
    order = torch.argsort(original, descending=True)[:top]
    labels = [repr(tokenizer.decode(int(i))) for i in order]
    kept = int((processed > 0).sum())
    best = ", ".join(f"{label} {p:.3f}" for label, p in zip(labels[:5], processed[order[:5]].tolist()))
    title = f"temperature={temperature:g}, top_k={top_k}, top_p={top_p:g}, min_p={min_p:g}"
    if chart is None or [t.get_text() for t in chart.axes[0].get_xticklabels()] != labels:
        chart = next_token_bars(original[order], processed[order], labels, title)
    else:
        for bar, height in zip(chart.axes[0].containers[1], processed[order].tolist()):
            bar.set_height(height)
        chart.axes[0].set_title(title)
    return [f"{kept} of {len(processed)} tokens can be drawn; most likely: {best}", chart]


def sampling_playground(model: Any, tokenizer: Any, prompt: str = "I am a cat.", seed: int = 123) -> Explorer:
    """Sliders for temperature, top-k, top-p, min-p: the next-token distribution redraws, a continuation is sampled."""
    controls = {
        "prompt": widgets.Text(value=prompt, description="prompt", continuous_update=False),
        "temperature": widgets.FloatSlider(value=1.0, min=0, max=2, step=0.05, description="temperature", **SLIDER),
        "top_k": widgets.IntSlider(value=0, min=0, max=100, description="top-k (0: off)", **SLIDER),
        "top_p": widgets.FloatSlider(value=1.0, min=0, max=1, step=0.05, description="top-p", **SLIDER),
        "min_p": widgets.FloatSlider(value=0.0, min=0, max=0.5, step=0.01, description="min-p (0: off)", **SLIDER),
        "seed": widgets.IntText(value=seed, description="seed", layout={"width": "160px"}),
    }
    output, status = _explorer_parts()
    sample_out = widgets.Output()
    runner = LatestWins(lambda line: show(sample_out, line), lambda error: show(sample_out, _warning(str(error))))
    chart: list[Figure | None] = [None]  # the live chart, redrawn in place while the prompt stays the same

    def settings(knobs: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in knobs.items() if name != "seed"}

    def sampled_line(knobs: dict[str, Any], stale: Stale | None = None) -> str:
        return f"sampled (seed {knobs['seed']}): {sample_continuation(model, tokenizer, stale=stale, **knobs)!r}"

    def redraw(change: Any = None) -> None:
        knobs = {name: control.value for name, control in controls.items()}
        runner.cancel()  # a running sample stops at once, freeing the CPU for the redraw
        problem = sampling_problem(**settings(knobs))
        if problem:
            show(sample_out)
            return show(output, _warning(problem))
        text, chart[0] = distribution_view(model, tokenizer, chart=chart[0], **settings(knobs))
        show(output, text, chart[0])
        show(sample_out, "sampling…")
        runner.submit(lambda stale: sampled_line(knobs, stale))

    for control in controls.values():
        control.observe(redraw, "value")
    defaults = {name: control.value for name, control in controls.items()}
    show_static(*distribution_view(model, tokenizer, **settings(defaults)), sampled_line(defaults))
    return Explorer("Sampling playground", controls, status, output, sample_out, runner=runner)


# ---------------------------------------------------------------- length explorer (notebook 04)

@dataclass
class LengthResult:
    """Where and why a generation stopped."""

    text: str
    new_tokens: int
    max_new_tokens: int
    reason: str
    note: str = ""

    def __str__(self) -> str:
        where = f"stopped after {self.new_tokens} of at most {self.max_new_tokens} new tokens: {self.reason}"
        return "\n".join([repr(self.text), where] + ([self.note] if self.note else []))


def prompt_inputs(tokenizer: Any, prompt: str, chat: bool) -> Any:
    """The prompt as model inputs: as a user turn of the chat template when chat is set and there is one."""
    if chat and tokenizer.chat_template:
        return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                             return_tensors="pt", return_dict=True)
    return tokenizer(prompt, return_tensors="pt")


def generate_with_reason(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 40, min_new_tokens: int = 0,
                         stop: str = "", chat: bool = True, stale: Stale | None = None) -> LengthResult:
    """Greedy generation with these limits, and which of transformers' stopping criteria ended it."""
    inputs = prompt_inputs(tokenizer, prompt, chat).to(model.device)
    stops = dict(stop_strings=[stop], tokenizer=tokenizer) if stop else {}
    output = model.generate(**inputs, do_sample=False, max_new_tokens=max_new_tokens,
                            min_new_tokens=min_new_tokens or None, stopping_criteria=stopping(stale), **stops)
    new = output[0, inputs["input_ids"].shape[1]:]
    eos = model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
    text = tokenizer.decode(new, skip_special_tokens=True)
    note = ""
    if stale and stale():
        reason = "cancelled by a newer request"
    elif len(new) and int(new[-1]) in eos_ids:
        reason = f"EOS (the model produced {tokenizer.decode(new[-1:])!r}, its end-of-sequence token)"
        if min_new_tokens:
            note = f"min_new_tokens={min_new_tokens} forbade EOS before new token {min_new_tokens + 1}."
    elif stop and bool(StopStringCriteria(tokenizer, [stop])(output, None)[0]):
        reason = f"stop string {stop!r} (at character {text.rfind(stop)} of the new text)"
        if min_new_tokens > len(new):
            note = f"min_new_tokens={min_new_tokens} holds back only EOS, not a stop string."
    else:
        reason = "max_new_tokens"
    if stop and stop not in text:
        note = f"The stop string {stop!r} never occurred in the output, so it stopped nothing."
    return LengthResult(text, len(new), max_new_tokens, reason, note)


def length_explorer(model: Any, tokenizer: Any, prompt: str = "What is the capital of France? Answer in one sentence.",
                    max_new_tokens: int = 40, min_new_tokens: int = 0, stop: str = "") -> Explorer:
    """max_new_tokens, min_new_tokens and a stop string: shows where and why the generation stopped."""
    controls = {
        "prompt": widgets.Text(value=prompt, description="prompt", continuous_update=False, layout={"width": "460px"}),
        "chat": widgets.Checkbox(value=bool(tokenizer.chat_template), description="as a chat turn",
                                 disabled=not tokenizer.chat_template),
        **{name: widgets.IntSlider(value=value, min=0, max=120, description=name, **SLIDER)
           for name, value in [("max_new_tokens", max_new_tokens), ("min_new_tokens", min_new_tokens)]},
        "stop": widgets.Text(value=stop, description="stop string", placeholder="none", continuous_update=False,
                             layout={"width": "200px"}),
    }
    output, status = _explorer_parts()
    runner = LatestWins(lambda result: show(output, str(result)), lambda error: show(output, _warning(str(error))))

    def redraw(change: Any = None) -> None:
        knobs = {name: control.value for name, control in controls.items()}
        _run_or_warn(runner, output, length_problem(knobs["prompt"], knobs["max_new_tokens"], knobs["min_new_tokens"]),
                     lambda stale: generate_with_reason(model, tokenizer, stale=stale, **knobs))

    for control in controls.values():
        control.observe(redraw, "value")
    show_static(str(generate_with_reason(model, tokenizer, **{n: c.value for n, c in controls.items()})))
    return Explorer("Length explorer", controls, status, output, runner=runner)


# ---------------------------------------------------------------- padding explorer (notebook 05)

@dataclass
class PaddingRow:
    """One prompt's continuation in the batch and alone."""

    prompt: str
    batched: str
    alone: str

    @property
    def same(self) -> bool:
        return self.batched == self.alone


@dataclass
class PaddingComparison:
    """A padded batch, its tokens' labels, and each row against the prompt generated alone."""

    batch: dict[str, torch.Tensor]
    labels: list[list[str]]
    rows: list[PaddingRow]
    title: str

    def table(self) -> Any:
        """The rows as a DataFrame: prompt, batched output, output alone, same?"""
        import pandas as pd

        return pd.DataFrame([dict(prompt=r.prompt, batched=r.batched, alone=r.alone, same=r.same) for r in self.rows])

    def figure(self) -> Figure:
        """The padded batch as a heatmap of its attention mask."""
        return padding_heatmap(self.batch, self.labels, self.title)


@functools.lru_cache(maxsize=4)
def _padding_tokenizer(tokenizer: Any) -> Any:
    """The tokenizer itself, or a copy whose pad token is the EOS token when it has none."""
    if tokenizer.pad_token is not None:
        return tokenizer
    padded = copy.deepcopy(tokenizer)
    padded.pad_token = padded.eos_token
    return padded


def _greedy(model: Any, batch: dict[str, torch.Tensor], max_new_tokens: int, stale: Stale | None = None
            ) -> torch.Tensor:
    """Greedy new tokens for a batch, warnings caught (the explorer shows the outputs, not the log)."""
    with caught_warnings():
        output = model.generate(**{k: v.to(model.device) for k, v in batch.items()}, max_new_tokens=max_new_tokens,
                                do_sample=False, stopping_criteria=stopping(stale))
    return output[:, batch["input_ids"].shape[1]:]


@functools.lru_cache(maxsize=64)
def _alone(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int) -> str:
    """The prompt's greedy continuation on its own (cached)."""
    new = _greedy(model, dict(tokenizer(prompt, return_tensors="pt")), max_new_tokens)
    return tokenizer.decode(new[0], skip_special_tokens=True)


def compare_padding(model: Any, tokenizer: Any, prompts: Sequence[str], padding_side: str = "left",
                    attention_mask: bool = True, max_new_tokens: int = 12,
                    stale: Stale | None = None) -> PaddingComparison:
    """Generate the prompts as one padded batch and each alone, and compare the continuations row by row."""
    tokenizer = _padding_tokenizer(tokenizer)
    batch = dict(tokenizer(list(prompts), return_tensors="pt", padding=True, padding_side=padding_side))
    fed = batch if attention_mask else {"input_ids": batch["input_ids"]}
    batched = tokenizer.batch_decode(_greedy(model, fed, max_new_tokens, stale), skip_special_tokens=True)
    rows = [PaddingRow(p, b, _alone(model, tokenizer, p, max_new_tokens)) for p, b in zip(prompts, batched)]
    labels = [[repr(tokenizer.decode(int(t)))[1:-1][:6] for t in row] for row in batch["input_ids"]]
    mask = "with" if attention_mask else "WITHOUT"
    return PaddingComparison(batch, labels, rows, f"padding_side={padding_side!r}, {mask} attention_mask")


def padding_view(comparison: PaddingComparison) -> list[Any]:
    """The explorer's redraw: a verdict, the batch heatmap and the row-by-row table."""
    differ = [r.prompt for r in comparison.rows if not r.same]
    verdict = f"rows that differ from the prompt alone: {differ}" if differ else "each row equals its prompt alone"
    return [f"{comparison.title}: {verdict}", comparison.figure(), comparison.table()]


def padding_explorer(model: Any, tokenizer: Any, prompts: Sequence[str] = ("1, 2, 3", "A, B, C, D, E")) -> Explorer:
    """Prompts, padding side and attention mask on/off: the padded batch, and each row against its prompt alone."""
    controls = {
        "prompts": widgets.Textarea(value="\n".join(prompts), description="prompts (one per line)", rows=3,
                                    continuous_update=False, style={"description_width": "initial"}),
        "padding_side": widgets.ToggleButtons(options=["left", "right"], value="left", description="padding_side"),
        "attention_mask": widgets.Checkbox(value=True, description="pass the attention_mask"),
    }
    output, status = _explorer_parts()
    runner = LatestWins(lambda comparison: show(output, *padding_view(comparison)),
                        lambda error: show(output, _warning(str(error))))

    def knobs() -> dict[str, Any]:
        values = {name: control.value for name, control in controls.items()}
        return values | {"prompts": [line for line in values["prompts"].splitlines() if line.strip()]}

    def redraw(change: Any = None) -> None:
        values = knobs()
        _run_or_warn(runner, output, padding_problem(values["prompts"]),
                     lambda stale: compare_padding(model, tokenizer, stale=stale, **values))

    for control in controls.values():
        control.observe(redraw, "value")
    show_static(*padding_view(compare_padding(model, tokenizer, **knobs())))
    return Explorer("Padding explorer", controls, status, output, runner=runner)


# ---------------------------------------------------------------- chat-template explorer (notebook 06)

ROLE_LINE = re.compile(r"^(system|user|assistant)\s*:\s?(.*)$", re.IGNORECASE)


def parse_messages(text: str) -> list[dict[str, str]]:
    """'role: content' lines as chat messages (a line without a role continues the one above); ValueError if none."""
    messages: list[dict[str, str]] = []
    for line in text.splitlines():
        match = ROLE_LINE.match(line.strip())
        if match:
            messages.append({"role": match[1].lower(), "content": match[2]})
        elif messages:
            messages[-1]["content"] += "\n" + line
        elif line.strip():
            raise ValueError(f"Start each message with its role (system:, user: or assistant:): {line.strip()[:30]!r}.")
    if not messages:
        raise ValueError("No messages: type one per line, e.g. 'user: Where is the treasure?'.")
    return messages


def format_messages(messages: Sequence[dict[str, str]]) -> str:
    """Chat messages as the 'role: content' lines that parse_messages reads."""
    return "\n".join(f"{m['role']}: {m['content']}" for m in messages)


@dataclass
class RenderedChat:
    """A rendered chat template: its text, where its special tokens are, and its length in tokens."""

    text: str
    special_spans: list[tuple[int, int]]
    token_count: int

    def summary(self) -> str:
        """The token counts in one line."""
        return f"{self.token_count} tokens, {len(self.special_spans)} of them special"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Plain text as it is, and HTML with the special tokens highlighted."""
        parts, last = [], 0
        for start, end in self.special_spans:
            parts += [html.escape(self.text[last:start]),
                      f'<span style="background:#ffe08a;color:#7a3e00">{html.escape(self.text[start:end])}</span>']
            last = end
        parts.append(html.escape(self.text[last:]))
        page = f'<pre style="white-space:pre-wrap">{"".join(parts)}</pre><p>{self.summary()} (highlighted)</p>'
        return {"text/plain": f"{self.text}\n({self.summary()})", "text/html": page}


def _special_ids(tokenizer: Any) -> set[int]:
    """The ids of every special token, the added ones marked special included."""
    added = getattr(tokenizer, "added_tokens_decoder", {})
    return set(tokenizer.all_special_ids) | {i for i, token in added.items() if getattr(token, "special", False)}


def render_chat(tokenizer: Any, messages: Sequence[dict[str, str]], add_generation_prompt: bool = True,
                continue_final_message: bool = False) -> RenderedChat:
    """The chat template applied to the messages as text, with the spans of its special tokens and its token count."""
    text = tokenizer.apply_chat_template(list(messages), add_generation_prompt=add_generation_prompt,
                                         continue_final_message=continue_final_message, tokenize=False)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    special = _special_ids(tokenizer)
    spans = [tuple(span) for i, span in zip(encoded["input_ids"], encoded["offset_mapping"]) if i in special]
    return RenderedChat(text, spans, len(encoded["input_ids"]))


DEFAULT_MESSAGES = [{"role": "system", "content": "You are a friendly pirate who always answers in one sentence."},
                    {"role": "user", "content": "Where is the treasure?"}]


def chat_view(tokenizer: Any, text: str, add_generation_prompt: bool, continue_final_message: bool) -> list[Any]:
    """The explorer's redraw: the rendered prompt with its special tokens, or a message saying what to fix."""
    try:
        messages = parse_messages(text)
    except ValueError as error:
        return [_warning(str(error))]
    problem = chat_problem(messages, add_generation_prompt, continue_final_message)
    if problem:
        return [_warning(problem)]
    try:
        return [render_chat(tokenizer, messages, add_generation_prompt, continue_final_message)]
    except Exception as error:  # a template's own raise_exception(), e.g. roles that must alternate
        return [_warning(f"The chat template refused these messages: {error}")]


def chat_template_explorer(tokenizer: Any, messages: Sequence[dict[str, str]] = DEFAULT_MESSAGES) -> Explorer:
    """Editable messages, add_generation_prompt and continue_final_message: the rendered prompt and its token count."""
    controls = {
        "text": widgets.Textarea(value=format_messages(messages), description="messages (role: content)", rows=4,
                                 continuous_update=False, layout={"width": "620px"}, style=SLIDER["style"]),
        "add_generation_prompt": widgets.Checkbox(value=True, description="add_generation_prompt"),
        "continue_final_message": widgets.Checkbox(value=False, description="continue_final_message"),
    }
    output, status = _explorer_parts()

    def redraw(change: Any = None) -> None:
        show(output, *chat_view(tokenizer, **{name: control.value for name, control in controls.items()}))

    for control in controls.values():
        control.observe(redraw, "value")
    show_static(*chat_view(tokenizer, **{name: control.value for name, control in controls.items()}))
    return Explorer("Chat-template explorer", controls, status, output)


# ---------------------------------------------------------------- streaming chat (notebook 06)

def stream_reply(model: Any, tokenizer: Any, messages: Sequence[dict[str, str]], max_new_tokens: int = 60,
                 stale: Stale | None = None) -> Iterator[tuple[str, float]]:
    """The assistant's greedy reply as it is generated: text pieces, each with the seconds since the request."""
    start = time.perf_counter()
    inputs = tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, return_tensors="pt",
                                           return_dict=True).to(model.device)
    streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
    failure: list[Exception] = []

    def generate() -> None:
        try:
            model.generate(**inputs, streamer=streamer, max_new_tokens=max_new_tokens, do_sample=False,
                           stopping_criteria=stopping(stale))
        except Exception as error:
            failure.append(error)
            streamer.end()

    thread = threading.Thread(target=generate, daemon=True)
    thread.start()
    for piece in streamer:
        if piece:
            yield piece, time.perf_counter() - start
    thread.join()
    if failure:
        raise failure[0]


@dataclass
class Reply:
    """A streamed reply: its text, the seconds to its first piece and to its end."""

    text: str
    first_token_s: float
    total_s: float


def collect_reply(pieces: Iterator[tuple[str, float]], on_piece: Callable[[str], None] | None = None) -> Reply:
    """Read a stream to its end, calling on_piece with the text so far after each piece."""
    text, first, last = "", float("nan"), float("nan")
    for piece, seconds in pieces:
        text, last = text + piece, seconds
        first = seconds if first != first else first
        if on_piece:
            on_piece(text)
    return Reply(text, first, last)


def streaming_chat(model: Any, tokenizer: Any, message: str = "Where is the treasure?",
                   system: str = DEFAULT_MESSAGES[0]["content"], max_new_tokens: int = 60) -> Explorer:
    """A chat box whose reply streams in token by token (TextIteratorStreamer), with the time to the first token."""
    history = [{"role": "system", "content": system}] if system else []
    controls = {"message": widgets.Text(value=message, description="you", layout={"width": "460px"}),
                "send": widgets.Button(description="send", button_style="primary"),
                "clear": widgets.Button(description="new chat")}
    output, status = _explorer_parts()
    status.value = "<i>The default message's reply is shown above; send a message to chat here.</i>"

    def transcript(turns: Sequence[dict[str, str]]) -> str:
        return "\n".join(f"{m['role']}: {m['content']}" for m in turns if m["role"] != "system")

    def chat(stale: Stale) -> None:
        turns = history + [{"role": "user", "content": controls["message"].value}]
        draw = lambda text: stale() or show(output, transcript(turns + [{"role": "assistant", "content": text}]))
        reply = collect_reply(stream_reply(model, tokenizer, turns, max_new_tokens, stale), draw)
        if not stale():
            history[:] = turns + [{"role": "assistant", "content": reply.text}]
            status.value = f"time to first token: {reply.first_token_s:.2f} s; whole reply: {reply.total_s:.2f} s"

    def failed(error: Exception) -> None:
        status.value = ""
        show(output, _warning(str(error)))

    runner = LatestWins(lambda result: None, failed)

    def send(button: Any = None) -> None:
        if not controls["message"].value.strip():
            return show(output, _warning("The message is empty: type something to say."))
        status.value = "<i>waiting for the first token…</i>"
        runner.submit(chat)

    def clear(button: Any = None) -> None:
        runner.cancel()
        del history[1 if system else 0:]
        show(output)

    controls["send"].on_click(send)
    controls["clear"].on_click(clear)
    turn = [{"role": "user", "content": message}]
    reply = collect_reply(stream_reply(model, tokenizer, history + turn, max_new_tokens))
    show_static(transcript(turn + [{"role": "assistant", "content": reply.text}]))
    return Explorer("Streaming chat", controls, status, output, runner=runner)
