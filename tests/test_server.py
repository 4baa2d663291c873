"""A real `transformers serve` on 127.0.0.1 (a tiny model, CPU): it comes up, answers the openai client in full and
streamed, rejects what it should, and each failure (a port in use, a model that does not load, a killed server) is one
line that names the cause; a stopped server frees its port, so a rerun works."""

from __future__ import annotations

import signal

import openai
import pytest

from helpers.server import ServerError, port_in_use, start_server

pytestmark = pytest.mark.slow
QUESTION = [{"role": "user", "content": "Hello! How are you today?"}]


@pytest.fixture(scope="module")
def server(tiny_llama):
    with start_server(tiny_llama) as running:
        yield running


def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=30)


def test_answers_in_full_and_streamed_with_the_same_tokens(server, tiny_llama):
    whole = client(server).chat.completions.create(model=str(tiny_llama), messages=QUESTION, max_tokens=12, temperature=0)
    assert whole.usage.completion_tokens <= 12 and whole.choices[0].message.content
    pieces = [chunk.choices[0].delta.content for chunk in client(server).chat.completions.create(
        model=str(tiny_llama), messages=QUESTION, max_tokens=12, temperature=0, stream=True)
        if chunk.choices and chunk.choices[0].delta.content]
    assert len(pieces) > 1 and "".join(pieces) == whole.choices[0].message.content  # greedy: the same reply, in pieces
    assert server.status() == f"the server at {server.url} is running."


def test_a_request_for_another_model_is_rejected_with_400(server):
    with pytest.raises(openai.BadRequestError) as rejected:
        client(server).chat.completions.create(model="some/other-model", messages=QUESTION, max_tokens=4)
    assert rejected.value.status_code == 400 and "pinned" in str(rejected.value.body)


def test_a_port_in_use_is_one_line_that_names_another_port(server, tiny_llama):
    with pytest.raises(ServerError, match=rf"^port {server.port} on 127.0.0.1 is in use .* port=\d+\.$") as taken:
        start_server(tiny_llama, port=server.port)
    assert "\n" not in str(taken.value)


def test_a_model_that_does_not_load_is_one_line_from_its_log(tmp_path):
    with pytest.raises(ServerError, match="exited with code 1 before it came up; its log .* ends: ") as failed:
        start_server(tmp_path / "no-model-here")
    assert "\n" not in str(failed.value)


def test_a_killed_server_says_so_and_a_restart_on_its_port_works(tiny_llama):
    first = start_server(tiny_llama)
    port = first.port
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    with pytest.raises(openai.APIConnectionError):
        client(first).chat.completions.create(model=str(tiny_llama), messages=QUESTION, max_tokens=4)
    assert first.status().startswith(f"the server on port {port} is not running (killed by signal 9;")
    assert not port_in_use(port)
    with start_server(tiny_llama, port=port) as again:
        assert again.healthy()
    assert not port_in_use(port) and again.process.returncode is not None  # stopped: the port is free again
