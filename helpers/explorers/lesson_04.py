"""The sampling playground (lesson 04): the next-token distribution under temperature, top-k, top-p and min-p, and a sample."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure
from transformers import MinPLogitsWarper, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, set_seed

from helpers.explorers import (
    SLIDER,
    Explorer,
    LatestWins,
    Stale,
    explorer_parts,
    per_object_cache,
    show,
    show_static,
    stopping,
    warning,
)
from helpers.language import check_language, displayed, message, say
from helpers.plots import next_token_bars


def sampling_problem(prompt: str, temperature: float, top_k: int, top_p: float, min_p: float,
                     language: str = "en") -> str | None:
    """What is wrong with the sampling settings, in one line naming the fix; None when they are usable."""
    if not prompt.strip():
        return say(language, "The prompt is empty: type a few words to continue.")
    if temperature <= 0:
        return say(language, "temperature must be above 0: got {temperature} (temperature 0 means greedy decoding, "
                             "do_sample=False).", temperature=temperature)
    if top_k < 0:
        return say(language, "top-k must be 0 (off) or more: got {top_k}.", top_k=top_k)
    if not 0 < top_p <= 1:
        return say(language, "top-p must be above 0 and at most 1: got {top_p} (1 keeps every token).", top_p=top_p)
    if not 0 <= min_p <= 1:
        return say(language, "min-p must be between 0 (off) and 1: got {min_p}.", min_p=min_p)
    return None

@per_object_cache
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
                      min_p: float, top: int = 15, chart: Figure | None = None, language: str = "en") -> list[Any]:
    """The playground's redraw: a one-line summary (in the language) and a chart of the most likely tokens before and
    after.

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
    summary = displayed(language, say(language, "{kept} of {total} tokens can be drawn; most likely: {best}", kept=kept,
                                      total=len(processed), best=best))
    return [summary, chart]


def sampling_playground(model: Any, tokenizer: Any, prompt: str = "I am a cat.", seed: int = 123,
                        language: str = "en") -> Explorer:
    """Sliders for temperature, top-k, top-p, min-p, starting at transformers' defaults (what do_sample=True alone
    uses): the next-token distribution redraws, and a continuation is sampled. Its words are in `language`."""
    language = check_language(language)
    controls = {
        "prompt": widgets.Text(value=prompt, description=say(language, "prompt"), continuous_update=False),
        "temperature": widgets.FloatSlider(value=1.0, min=0, max=2, step=0.05,
                                           description=say(language, "temperature"), **SLIDER),
        "top_k": widgets.IntSlider(value=50, min=0, max=100, description=say(language, "top-k (0: off)"), **SLIDER),
        "top_p": widgets.FloatSlider(value=1.0, min=0, max=1, step=0.05, description="top-p", **SLIDER),
        "min_p": widgets.FloatSlider(value=0.0, min=0, max=0.5, step=0.01, description=say(language, "min-p (0: off)"),
                                     **SLIDER),
        "seed": widgets.IntText(value=seed, description=say(language, "seed"), layout={"width": "160px"}),
    }
    output, status = explorer_parts(language)
    sample_out = widgets.Output()
    runner = LatestWins(lambda line: show(sample_out, line), lambda error: show(sample_out, warning(str(error))))
    chart: list[Figure | None] = [None]  # the live chart, redrawn in place while the prompt stays the same

    def settings(knobs: dict[str, Any]) -> dict[str, Any]:
        return {name: value for name, value in knobs.items() if name != "seed"}

    def sampled_line(knobs: dict[str, Any], stale: Stale | None = None) -> str:
        text = sample_continuation(model, tokenizer, stale=stale, **knobs)
        return displayed(language, say(language, "sampled (seed {seed}): {text!r}", seed=knobs["seed"], text=text))

    def redraw(change: Any = None) -> None:
        knobs = {name: control.value for name, control in controls.items()}
        runner.cancel()  # a running sample stops at once, freeing the CPU for the redraw
        problem = sampling_problem(**settings(knobs), language=language)
        if problem:
            show(sample_out)
            return show(output, warning(problem, language))
        text, chart[0] = distribution_view(model, tokenizer, chart=chart[0], language=language, **settings(knobs))
        show(output, text, chart[0])
        show(sample_out, displayed(language, say(language, "sampling…")))
        runner.submit(lambda stale: sampled_line(knobs, stale))

    for control in controls.values():
        control.observe(redraw, "value")
    defaults = {name: control.value for name, control in controls.items()}
    show_static(*distribution_view(model, tokenizer, language=language, **settings(defaults)), sampled_line(defaults))
    return Explorer(message("Sampling playground"), controls, status, output, sample_out, runner=runner,
                    language=language)
