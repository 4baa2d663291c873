"""The padding explorer (lesson 08): a padded batch against each prompt alone, by padding side and attention mask."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure

from helpers.diagnostics import caught_warnings
from helpers.explorers import (
    Explorer,
    LatestWins,
    Stale,
    explorer_parts,
    per_object_cache,
    run_or_warn,
    show,
    show_static,
    stopping,
    warning,
)
from helpers.generation import greedy, with_pad_token
from helpers.language import Message, check_language, displayed, message, say
from helpers.plots import padding_heatmap


def padding_problem(prompts: Sequence[str], language: str = "en") -> str | None:
    """What is wrong with the prompts to batch, in one line naming the fix; None when they are usable."""
    if not prompts:
        return say(language, "No prompts: type one prompt per line, two or more of different lengths.")
    return None

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
    """A padded batch, its tokens' labels, and each row against the prompt generated alone.

    `title` is the English one of the heatmap (whose labels are English); `heading` is the same, to say in any language.
    """

    batch: dict[str, torch.Tensor]
    labels: list[list[str]]
    rows: list[PaddingRow]
    title: str
    heading: Message | None = field(default=None, repr=False)

    def table(self, language: str = "en") -> Any:
        """The rows as a DataFrame: prompt, batched output, output alone, same? (its column labels in the language)."""
        import pandas as pd

        labels = [say(language, "prompt"), say(language, "batched"), say(language, "alone"), say(language, "same")]
        return pd.DataFrame([(r.prompt, r.batched, r.alone, r.same) for r in self.rows], columns=labels)

    def figure(self) -> Figure:
        """The padded batch as a heatmap of its attention mask."""
        return padding_heatmap(self.batch, self.labels, self.title)


@per_object_cache
def padding_tokenizer(tokenizer: Any) -> Any:
    """The tokenizer itself, or a copy whose pad token is the EOS token when it has none."""
    return tokenizer if tokenizer.pad_token is not None else with_pad_token(tokenizer)


def quiet_greedy(model: Any, tokenizer: Any, batch: dict[str, torch.Tensor], max_new_tokens: int,
                 attention_mask: bool = True, stale: Stale | None = None) -> torch.Tensor:
    """Greedy new tokens for a batch, warnings caught (the explorer shows the outputs, not the log)."""
    with caught_warnings():
        return greedy(model, tokenizer, batch, attention_mask=attention_mask, max_new_tokens=max_new_tokens,
                      stopping_criteria=stopping(stale))


@per_object_cache
def alone(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int) -> str:
    """The prompt's greedy continuation on its own (cached)."""
    new = quiet_greedy(model, tokenizer, dict(tokenizer(prompt, return_tensors="pt")), max_new_tokens)
    return tokenizer.decode(new[0], skip_special_tokens=True)


def compare_padding(model: Any, tokenizer: Any, prompts: Sequence[str], padding_side: str = "left",
                    attention_mask: bool = True, max_new_tokens: int = 12,
                    stale: Stale | None = None) -> PaddingComparison:
    """Generate the prompts as one padded batch and each alone, and compare the continuations row by row."""
    tokenizer = padding_tokenizer(tokenizer)
    batch = dict(tokenizer(list(prompts), return_tensors="pt", padding=True, padding_side=padding_side))
    new = quiet_greedy(model, tokenizer, batch, max_new_tokens, attention_mask, stale)
    batched = tokenizer.batch_decode(new, skip_special_tokens=True)
    rows = [PaddingRow(p, b, alone(model, tokenizer, p, max_new_tokens)) for p, b in zip(prompts, batched)]
    labels = [[repr(tokenizer.decode(int(t)))[1:-1][:6] for t in row] for row in batch["input_ids"]]
    heading = message("padding_side={padding_side!r}, with attention_mask" if attention_mask
                      else "padding_side={padding_side!r}, WITHOUT attention_mask", padding_side=padding_side)
    return PaddingComparison(batch, labels, rows, heading.say("en"), heading)


def padding_view(comparison: PaddingComparison, language: str = "en") -> list[Any]:
    """The explorer's redraw: a verdict (in the language), the batch heatmap and the row-by-row table."""
    differ = [r.prompt for r in comparison.rows if not r.same]
    title = comparison.heading or comparison.title
    verdict = (say(language, "{title}: rows that differ from the prompt alone: {differ}", title=title, differ=differ)
               if differ else say(language, "{title}: each row equals its prompt alone", title=title))
    return [displayed(language, verdict), comparison.figure(), comparison.table(language)]


def padding_explorer(model: Any, tokenizer: Any, prompts: Sequence[str] = ("1, 2, 3", "A, B, C, D, E"),
                     language: str = "en") -> Explorer:
    """Prompts, padding side and attention mask on/off: the padded batch, and each row against its prompt alone; its
    words are in `language`."""
    language = check_language(language)
    controls = {
        "prompts": widgets.Textarea(value="\n".join(prompts), description=say(language, "prompts (one per line)"),
                                    rows=3, continuous_update=False, style={"description_width": "initial"}),
        "padding_side": widgets.ToggleButtons(options=["left", "right"], value="left", description="padding_side"),
        "attention_mask": widgets.Checkbox(value=True, description=say(language, "pass the attention_mask")),
    }
    output, status = explorer_parts(language)
    runner = LatestWins(lambda comparison: show(output, *padding_view(comparison, language)),
                        lambda error: show(output, warning(str(error))))

    def knobs() -> dict[str, Any]:
        values = {name: control.value for name, control in controls.items()}
        return values | {"prompts": [line for line in values["prompts"].splitlines() if line.strip()]}

    def redraw(change: Any = None) -> None:
        values = knobs()
        run_or_warn(runner, output, padding_problem(values["prompts"], language),
                    lambda stale: compare_padding(model, tokenizer, stale=stale, **values), language)

    for control in controls.values():
        control.observe(redraw, "value")
    show_static(*padding_view(compare_padding(model, tokenizer, **knobs()), language))
    return Explorer(message("Padding explorer"), controls, status, output, runner=runner, language=language)
