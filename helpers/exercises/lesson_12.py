"""Lesson 12's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/12/).
The checks share one `transformers serve` on 127.0.0.1 per model folder, started by the first check that needs it (a few
seconds) and stopped when the Python process ends, or at once after a check whose answer ran out of time (its request
may still be running there)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import torch
from transformers import ContinuousBatchingConfig, GenerationConfig

from helpers.exercises import Exercise, Fail, Prediction, Runner, text
from helpers.language import Message, message
from helpers.server import Server, start_server

QUESTIONS = ["What is the capital of France?", "Name three colours."]
BATCH_QUESTIONS = ["What is the capital of France?", "Name three colours.", "Why is the sky blue?",
                   "Write a haiku about the sea.", "What is 2 + 2?", "Tell me a joke.",
                   "Give me a tip for learning a language.", "What is a cat?"]

_SERVERS: dict[str, Server] = {}  # by model folder: the checks' servers, kept for the next check


@contextlib.contextmanager
def served(model, call: Runner) -> Iterator[tuple[openai.OpenAI, str, list[dict]]]:
    """A server for the model's folder, a client for it, the model's served name, and the body of every chat request
    the client sends (what a reply alone cannot show: was it greedy, was it streamed). The server is kept for the next
    check unless the learner's code, run by `call`, ran out of time."""
    requests: list[dict] = []

    def record(request: httpx.Request) -> None:
        if request.url.path.endswith("/chat/completions"):
            requests.append(json.loads(request.content or b"{}"))

    server = _SERVERS.get(model.name_or_path)
    if server is None or not server.healthy():  # none yet, or one that died or hangs: replaced
        if server is not None:
            server.stop()
        server = _SERVERS[model.name_or_path] = start_server(model.name_or_path)  # stopped at exit
    with httpx.Client(event_hooks={"request": [record]}) as http:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=60, http_client=http)
        try:
            yield client, client.models.list().data[0].id, requests
        finally:
            if call.timed_out:
                _SERVERS.pop(model.name_or_path).stop()


def reply(client: openai.OpenAI, name: str, question: str) -> str:
    """The server's greedy reply of at most 30 tokens, in one piece."""
    answer = client.chat.completions.create(model=name, messages=[{"role": "user", "content": question}],
                                            max_tokens=30, temperature=0)
    return answer.choices[0].message.content


@dataclasses.dataclass(frozen=True)
class Refused:
    """A request the server refused: its HTTP status and what it said."""

    status: int
    detail: Any


def server_said(function: Callable) -> Callable:
    """The learner's function, returning what the server said instead of raising when it refuses a request."""
    def call(*args: Any) -> Any:
        try:
            return function(*args)
        except openai.APIStatusError as error:
            body = error.body
            return Refused(error.status_code, body.get("detail", body) if isinstance(body, dict) else body)
    return call


def check_pinned_reply(call: Runner, model, tokenizer) -> Message:
    """The reply equals the server's own greedy reply, asked with the name it serves its model under, and the request
    asked for a greedy reply (a server left to the model's generation config samples for many chat models)."""
    with served(model, call) as (client, name, requests):
        for question in QUESTIONS:
            requests.clear()
            got = call.timed(lambda q=question: server_said(call.function)(client, q))
            asked = list(requests)  # the learner's requests, before the check's own
            if isinstance(got, Refused):
                raise Fail("the server refused your request for {question!r} with status {status}: {detail}",
                           question=question, status=got.status, detail=got.detail)
            got = text(got, call.name)
            want = reply(client, name, question)
            if got != want:
                raise Fail("for {question!r} you returned {got!r}; the server's greedy reply is {want!r}.",
                           question=question, got=got, want=want)
            if asked and asked[-1].get("temperature") != 0:
                raise Fail("your request for {question!r} leaves the temperature to the server ({temperature}): it then "
                           "follows the model's generation config, which samples for many chat models; this one's "
                           "happens to be greedy.", question=question, temperature=asked[-1].get("temperature"))
    return message("you asked for the name the server lists, at temperature 0, and got its greedy reply to each of the "
                   "{count} questions.", count=len(QUESTIONS))


def check_streamed_reply(call: Runner, model, tokenizer) -> Message:
    """The pieces put together equal the server's reply in one piece, and the reply was streamed."""
    with served(model, call) as (client, name, requests):
        for question in QUESTIONS:
            requests.clear()
            got = text(call.timed(lambda q=question: call.function(client, name, q)), call.name)
            if not any(request.get("stream") for request in requests):
                raise Fail("for {question!r} your function received the reply in one piece: it asked for no stream.",
                           question=question)
            want = reply(client, name, question)
            if got != want:
                raise Fail("for {question!r} your pieces make {got!r}; the reply in one piece is {want!r}.",
                           question=question, got=got, want=want)
    return message("for each of the {count} questions, the pieces of your stream make the reply in one piece, "
                   "the first chunk's role and the last one's finish reason adding nothing.", count=len(QUESTIONS))


EXERCISES = [
    Exercise("pinned_reply", check_pinned_reply, fix="models.list", hints=(
        "read what the server answered. Which name does it expect in `model`, and would that name be the same on "
        "another machine?",
        "ask the server: client.models.list().data[0].id is the name it serves its model under.")),
    Exercise("streamed_reply", check_streamed_reply, fix="if chunk.choices and chunk.choices[0].delta.content", hints=(
        "print each chunk of a stream: what does the first one carry, and the last?",
        "add a piece only when there is one: if chunk.choices and chunk.choices[0].delta.content.")),
]


def continuous_batching_changes_nothing(model, tokenizer) -> tuple[Any, Message]:
    """Whether generate_batch gives each of 8 chat requests the greedy tokens it gets alone."""
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], add_generation_prompt=True,
                                             return_dict=True)["input_ids"] for q in BATCH_QUESTIONS]
    alone = []
    for prompt in prompts:
        ids = torch.tensor([prompt], device=model.device)
        alone.append(model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=24,
                                    do_sample=False)[0, len(prompt):].tolist())
    config = GenerationConfig(max_new_tokens=24, do_sample=False, eos_token_id=tokenizer.eos_token_id,
                              pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
    results = model.generate_batch(prompts, generation_config=config,
                                   continuous_batching_config=ContinuousBatchingConfig(num_blocks=32, max_batch_tokens=256))
    same = sum(results[f"req_{i}"].generated_tokens == tokens for i, tokens in enumerate(alone))
    return same == len(prompts), message("{same} of {count} requests got the tokens they get alone. Continuous "
                                         "batching changes which tokens share a forward pass, not what each request "
                                         "attends to; in float32 the scores move too little to change a greedy choice "
                                         "here, though other kernels and 16 bits can (notebook 08's batches).",
                                         same=same, count=len(prompts))


PREDICTIONS = [
    Prediction("Predict: with continuous batching (generate_batch), will each of 8 chat requests get exactly the greedy "
               "tokens it gets when generated alone? Answer True or False.", continuous_batching_changes_nothing),
]
