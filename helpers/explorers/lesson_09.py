"""The chat-template explorer and the streaming chat (lesson 09)."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
from transformers import TextIteratorStreamer

from helpers.explorers import (
    SLIDER,
    Explorer,
    LatestWins,
    Stale,
    explorer_parts,
    italic,
    show,
    show_static,
    stopping,
    warning,
)
from helpers.generation import special_token_ids
from helpers.language import Message, check_language, displayed, html_block, message, say


def chat_problem(messages: Sequence[dict[str, str]], add_generation_prompt: bool,
                 continue_final_message: bool, language: str = "en") -> str | None:
    """What is wrong with the messages and switches, in one line naming the fix; None when they are usable."""
    if not any(m["role"] == "user" for m in messages):
        return say(language, "The messages have no user turn: add a line such as 'user: Where is the treasure?'.")
    if add_generation_prompt and continue_final_message:
        return say(language, "add_generation_prompt and continue_final_message exclude each other: untick one.")
    if continue_final_message and messages[-1]["role"] != "assistant":
        return say(language, "continue_final_message continues an assistant turn: end the messages with an "
                             "'assistant: …' line.")
    return None

ROLE_LINE = re.compile(r"^(system|user|assistant)\s*:\s?(.*)$", re.IGNORECASE)


def parse_messages(text: str, language: str = "en") -> list[dict[str, str]]:
    """'role: content' lines as chat messages (a line without a role continues the one above); ValueError if none
    (its message in the language)."""
    messages: list[dict[str, str]] = []
    for line in text.splitlines():
        match = ROLE_LINE.match(line.strip())
        if match:
            messages.append({"role": match[1].lower(), "content": match[2]})
        elif messages:
            messages[-1]["content"] += "\n" + line
        elif line.strip():
            raise ValueError(say(language, "Start each message with its role (system:, user: or assistant:): {line!r}.",
                                 line=line.strip()[:30]))
    if not messages:
        raise ValueError(say(language, "No messages: type one per line, e.g. 'user: Where is the treasure?'."))
    return messages


def format_messages(messages: Sequence[dict[str, str]]) -> str:
    """Chat messages as the 'role: content' lines that parse_messages reads."""
    return "\n".join(f"{m['role']}: {m['content']}" for m in messages)


@dataclass
class RenderedChat:
    """A rendered chat template: its text, where its special tokens are, and its length in tokens (said in its
    language)."""

    text: str
    special_spans: list[tuple[int, int]]
    token_count: int
    language: str = field(default="en", repr=False)

    def summary(self) -> str:
        """The token counts in one line."""
        return say(self.language, "{tokens} tokens, {special} of them special", tokens=self.token_count,
                   special=len(self.special_spans))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Plain text as it is, and HTML with the special tokens highlighted; the summary in the language's direction."""
        parts, last = [], 0
        for start, end in self.special_spans:
            parts += [html.escape(self.text[last:start]),
                      f'<span style="background:#ffe08a;color:#7a3e00">{html.escape(self.text[start:end])}</span>']
            last = end
        parts.append(html.escape(self.text[last:]))
        highlighted = say(self.language, "{summary} (highlighted)", summary=self.summary())
        summary = html_block(self.language, highlighted) or f"<p>{html.escape(highlighted)}</p>"
        page = f'<pre style="white-space:pre-wrap">{"".join(parts)}</pre>{summary}'
        return {"text/plain": self.text + "\n" + displayed(self.language, "(" + self.summary() + ")"), "text/html": page}


def render_chat(tokenizer: Any, messages: Sequence[dict[str, str]], add_generation_prompt: bool = True,
                continue_final_message: bool = False, language: str = "en") -> RenderedChat:
    """The chat template applied to the messages as text, with the spans of its special tokens and its token count
    (said in the language)."""
    text = tokenizer.apply_chat_template(list(messages), add_generation_prompt=add_generation_prompt,
                                         continue_final_message=continue_final_message, tokenize=False)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    special = special_token_ids(tokenizer)
    spans = [tuple(span) for i, span in zip(encoded["input_ids"], encoded["offset_mapping"]) if i in special]
    return RenderedChat(text, spans, len(encoded["input_ids"]), language)


DEFAULT_MESSAGES = [{"role": "system", "content": "You are a friendly pirate who always answers in one sentence."},
                    {"role": "user", "content": "Where is the treasure?"}]


def chat_view(tokenizer: Any, text: str, add_generation_prompt: bool, continue_final_message: bool,
              language: str = "en") -> list[Any]:
    """The explorer's redraw: the rendered prompt with its special tokens, or a message saying what to fix (in the
    language)."""
    try:
        messages = parse_messages(text, language)
    except ValueError as error:
        return [warning(str(error), language)]
    problem = chat_problem(messages, add_generation_prompt, continue_final_message, language)
    if problem:
        return [warning(problem, language)]
    try:
        return [render_chat(tokenizer, messages, add_generation_prompt, continue_final_message, language)]
    except Exception as error:  # noqa: BLE001 - a template's own raise_exception(), e.g. roles that must alternate
        return [warning(say(language, "The chat template refused these messages: {error}", error=error), language)]


def chat_template_explorer(tokenizer: Any, messages: Sequence[dict[str, str]] = DEFAULT_MESSAGES,
                           language: str = "en") -> Explorer:
    """Editable messages, add_generation_prompt and continue_final_message: the rendered prompt and its token count;
    its words are in `language`."""
    language = check_language(language)
    controls = {
        "text": widgets.Textarea(value=format_messages(messages), description=say(language, "messages (role: content)"),
                                 rows=4, continuous_update=False, layout={"width": "620px"}, style=SLIDER["style"]),
        "add_generation_prompt": widgets.Checkbox(value=True, description="add_generation_prompt"),
        "continue_final_message": widgets.Checkbox(value=False, description="continue_final_message"),
    }
    output, status = explorer_parts(language)

    def redraw(change: Any = None) -> None:
        show(output, *chat_view(tokenizer, **{name: control.value for name, control in controls.items()},
                                language=language))

    for control in controls.values():
        control.observe(redraw, "value")
    show_static(*chat_view(tokenizer, **{name: control.value for name, control in controls.items()}, language=language))
    return Explorer(message("Chat-template explorer"), controls, status, output, language=language)


# ---------------------------------------------------------------- streaming chat (notebook 09)

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
        except Exception as error:  # noqa: BLE001 - re-raised in the caller's thread
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
                   system: str = DEFAULT_MESSAGES[0]["content"], max_new_tokens: int = 60,
                   language: str = "en") -> Explorer:
    """A chat box whose reply streams in token by token (TextIteratorStreamer), with the time to the first token; its
    words are in `language`."""
    language = check_language(language)
    history = [{"role": "system", "content": system}] if system else []
    controls = {"message": widgets.Text(value=message, description=say(language, "you"), layout={"width": "460px"}),
                "send": widgets.Button(description=say(language, "send"), button_style="primary"),
                "clear": widgets.Button(description=say(language, "new chat"))}
    output, status = explorer_parts(language)
    status.value = italic(say(language, "The default message's reply is shown above; send a message to chat here."))

    def transcript(turns: Sequence[dict[str, str]]) -> str:
        return "\n".join(f"{m['role']}: {m['content']}" for m in turns if m["role"] != "system")

    def chat(stale: Stale) -> None:
        turns = history + [{"role": "user", "content": controls["message"].value}]
        def draw(text):
            return stale() or show(output, transcript(turns + [{"role": "assistant", "content": text}]))
        reply = collect_reply(stream_reply(model, tokenizer, turns, max_new_tokens, stale), draw)
        if not stale():
            history[:] = turns + [{"role": "assistant", "content": reply.text}]
            status.value = say(language, "time to first token: {first:.2f} s; whole reply: {total:.2f} s",
                               first=reply.first_token_s, total=reply.total_s)

    def failed(error: Exception) -> None:
        status.value = ""
        show(output, warning(str(error)))

    runner = LatestWins(lambda result: None, failed)

    def send(button: Any = None) -> None:
        if not controls["message"].value.strip():
            return show(output, warning(say(language, "The message is empty: type something to say."), language))
        status.value = italic(say(language, "waiting for the first token…"))
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
    return Explorer(Message("Streaming chat"), controls, status, output, runner=runner, language=language)
