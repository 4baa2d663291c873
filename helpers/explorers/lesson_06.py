"""The length explorer (lesson 06): max_new_tokens, min_new_tokens and a stop string, and why generation stopped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
from transformers import StopStringCriteria

from helpers.explorers import (
    SLIDER,
    Explorer,
    LatestWins,
    Stale,
    explorer_parts,
    run_or_warn,
    show,
    show_static,
    stopping,
    warning,
)
from helpers.generation import eos_ids
from helpers.language import check_language, displayed, message, say


def length_problem(prompt: str, max_new_tokens: int, min_new_tokens: int, language: str = "en") -> str | None:
    """What is wrong with the length settings, in one line naming the fix; None when they are usable."""
    if not prompt.strip():
        return say(language, "The prompt is empty: type a question or a few words to continue.")
    if max_new_tokens < 1:
        return say(language, "max_new_tokens must be at least 1: got {max_new_tokens}.", max_new_tokens=max_new_tokens)
    if min_new_tokens > max_new_tokens:
        return say(language, "min_new_tokens ({min_new_tokens}) is above max_new_tokens ({max_new_tokens}): "
                             "lower it or raise max_new_tokens.",
                   min_new_tokens=min_new_tokens, max_new_tokens=max_new_tokens)
    return None

@dataclass
class LengthResult:
    """Where and why a generation stopped (its reason and note said in its language)."""

    text: str
    new_tokens: int
    max_new_tokens: int
    reason: str
    note: str = ""
    language: str = field(default="en", repr=False)

    def __str__(self) -> str:
        """The text as it is, then why it stopped (and the note) in the language's direction."""
        where = say(self.language, "stopped after {new_tokens} of at most {max_new_tokens} new tokens: {reason}",
                    new_tokens=self.new_tokens, max_new_tokens=self.max_new_tokens, reason=self.reason)
        return "\n".join([repr(self.text)] + [displayed(self.language, line) for line in (where, self.note) if line])


def prompt_inputs(tokenizer: Any, prompt: str, chat: bool) -> Any:
    """The prompt as model inputs: as a user turn of the chat template when chat is set and there is one."""
    if chat and tokenizer.chat_template:
        return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                             return_tensors="pt", return_dict=True)
    return tokenizer(prompt, return_tensors="pt")


def generate_with_reason(model: Any, tokenizer: Any, prompt: str, max_new_tokens: int = 40, min_new_tokens: int = 0,
                         stop: str = "", chat: bool = True, stale: Stale | None = None,
                         language: str = "en") -> LengthResult:
    """Greedy generation with these limits, and which of transformers' stopping criteria ended it (said in the
    language)."""
    inputs = prompt_inputs(tokenizer, prompt, chat).to(model.device)
    stops = dict(stop_strings=[stop], tokenizer=tokenizer) if stop else {}
    output = model.generate(**inputs, do_sample=False, max_new_tokens=max_new_tokens,
                            min_new_tokens=min_new_tokens or None, stopping_criteria=stopping(stale), **stops)
    new = output[0, inputs["input_ids"].shape[1]:]
    text = tokenizer.decode(new, skip_special_tokens=True)
    note = ""
    if stale and stale():
        reason = say(language, "cancelled by a newer request")
    elif len(new) and int(new[-1]) in eos_ids(model):
        reason = say(language, "EOS (the model produced {token!r}, its end-of-sequence token)",
                     token=tokenizer.decode(new[-1:]))
        if min_new_tokens:
            note = say(language, "min_new_tokens={min_new_tokens} forbade EOS before new token {first}.",
                       min_new_tokens=min_new_tokens, first=min_new_tokens + 1)
    elif stop and bool(StopStringCriteria(tokenizer, [stop])(output, None)[0]):
        reason = say(language, "stop string {stop!r} (at character {at} of the new text)", stop=stop,
                     at=text.rfind(stop))
        if min_new_tokens > len(new):
            note = say(language, "min_new_tokens={min_new_tokens} holds back only EOS, not a stop string.",
                       min_new_tokens=min_new_tokens)
    else:
        reason = "max_new_tokens"  # the setting's name, in every language
    if stop and stop not in text:
        note = say(language, "The stop string {stop!r} never occurred in the output, so it stopped nothing.", stop=stop)
    return LengthResult(text, len(new), max_new_tokens, reason, note, language)


def length_explorer(model: Any, tokenizer: Any, prompt: str = "What is the capital of France? Answer in one sentence.",
                    max_new_tokens: int = 40, min_new_tokens: int = 0, stop: str = "", language: str = "en") -> Explorer:
    """max_new_tokens, min_new_tokens and a stop string: shows where and why the generation stopped, in `language`."""
    language = check_language(language)
    controls = {
        "prompt": widgets.Text(value=prompt, description=say(language, "prompt"), continuous_update=False,
                               layout={"width": "460px"}),
        "chat": widgets.Checkbox(value=bool(tokenizer.chat_template), description=say(language, "as a chat turn"),
                                 disabled=not tokenizer.chat_template),
        **{name: widgets.IntSlider(value=value, min=0, max=120, description=name, **SLIDER)
           for name, value in [("max_new_tokens", max_new_tokens), ("min_new_tokens", min_new_tokens)]},
        "stop": widgets.Text(value=stop, description=say(language, "stop string"), placeholder=say(language, "none"),
                             continuous_update=False, layout={"width": "200px"}),
    }
    output, status = explorer_parts(language)
    runner = LatestWins(lambda result: show(output, str(result)), lambda error: show(output, warning(str(error))))

    def redraw(change: Any = None) -> None:
        knobs = {name: control.value for name, control in controls.items()}
        problem = length_problem(knobs["prompt"], knobs["max_new_tokens"], knobs["min_new_tokens"], language)
        run_or_warn(runner, output, problem,
                    lambda stale: generate_with_reason(model, tokenizer, stale=stale, language=language, **knobs),
                    language)

    for control in controls.values():
        control.observe(redraw, "value")
    knobs = {name: control.value for name, control in controls.items()}
    show_static(str(generate_with_reason(model, tokenizer, language=language, **knobs)))
    return Explorer(message("Length explorer"), controls, status, output, runner=runner, language=language)
