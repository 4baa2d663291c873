"""The chat-template explorer and the streaming chat (lesson 09)."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from transformers import TextIteratorStreamer

from helpers.explorers import SLIDER, Explorer, LatestWins, Stale, explorer_parts, show, show_static, stopping, warning
from helpers.generation import special_token_ids


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


def render_chat(tokenizer: Any, messages: Sequence[dict[str, str]], add_generation_prompt: bool = True,
                continue_final_message: bool = False) -> RenderedChat:
    """The chat template applied to the messages as text, with the spans of its special tokens and its token count."""
    text = tokenizer.apply_chat_template(list(messages), add_generation_prompt=add_generation_prompt,
                                         continue_final_message=continue_final_message, tokenize=False)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    special = special_token_ids(tokenizer)
    spans = [tuple(span) for i, span in zip(encoded["input_ids"], encoded["offset_mapping"]) if i in special]
    return RenderedChat(text, spans, len(encoded["input_ids"]))


DEFAULT_MESSAGES = [{"role": "system", "content": "You are a friendly pirate who always answers in one sentence."},
                    {"role": "user", "content": "Where is the treasure?"}]


def chat_view(tokenizer: Any, text: str, add_generation_prompt: bool, continue_final_message: bool) -> list[Any]:
    """The explorer's redraw: the rendered prompt with its special tokens, or a message saying what to fix."""
    try:
        messages = parse_messages(text)
    except ValueError as error:
        return [warning(str(error))]
    problem = chat_problem(messages, add_generation_prompt, continue_final_message)
    if problem:
        return [warning(problem)]
    try:
        return [render_chat(tokenizer, messages, add_generation_prompt, continue_final_message)]
    except Exception as error:  # noqa: BLE001 - a template's own raise_exception(), e.g. roles that must alternate
        return [warning(f"The chat template refused these messages: {error}")]


def chat_template_explorer(tokenizer: Any, messages: Sequence[dict[str, str]] = DEFAULT_MESSAGES) -> Explorer:
    """Editable messages, add_generation_prompt and continue_final_message: the rendered prompt and its token count."""
    controls = {
        "text": widgets.Textarea(value=format_messages(messages), description="messages (role: content)", rows=4,
                                 continuous_update=False, layout={"width": "620px"}, style=SLIDER["style"]),
        "add_generation_prompt": widgets.Checkbox(value=True, description="add_generation_prompt"),
        "continue_final_message": widgets.Checkbox(value=False, description="continue_final_message"),
    }
    output, status = explorer_parts()

    def redraw(change: Any = None) -> None:
        show(output, *chat_view(tokenizer, **{name: control.value for name, control in controls.items()}))

    for control in controls.values():
        control.observe(redraw, "value")
    show_static(*chat_view(tokenizer, **{name: control.value for name, control in controls.items()}))
    return Explorer("Chat-template explorer", controls, status, output)


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
                   system: str = DEFAULT_MESSAGES[0]["content"], max_new_tokens: int = 60) -> Explorer:
    """A chat box whose reply streams in token by token (TextIteratorStreamer), with the time to the first token."""
    history = [{"role": "system", "content": system}] if system else []
    controls = {"message": widgets.Text(value=message, description="you", layout={"width": "460px"}),
                "send": widgets.Button(description="send", button_style="primary"),
                "clear": widgets.Button(description="new chat")}
    output, status = explorer_parts()
    status.value = "<i>The default message's reply is shown above; send a message to chat here.</i>"

    def transcript(turns: Sequence[dict[str, str]]) -> str:
        return "\n".join(f"{m['role']}: {m['content']}" for m in turns if m["role"] != "system")

    def chat(stale: Stale) -> None:
        turns = history + [{"role": "user", "content": controls["message"].value}]
        def draw(text):
            return stale() or show(output, transcript(turns + [{"role": "assistant", "content": text}]))
        reply = collect_reply(stream_reply(model, tokenizer, turns, max_new_tokens, stale), draw)
        if not stale():
            history[:] = turns + [{"role": "assistant", "content": reply.text}]
            status.value = f"time to first token: {reply.first_token_s:.2f} s; whole reply: {reply.total_s:.2f} s"

    def failed(error: Exception) -> None:
        status.value = ""
        show(output, warning(str(error)))

    runner = LatestWins(lambda result: None, failed)

    def send(button: Any = None) -> None:
        if not controls["message"].value.strip():
            return show(output, warning("The message is empty: type something to say."))
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
