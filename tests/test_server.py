"""A real `transformers serve` on 127.0.0.1 (a tiny model, CPU): it comes up, answers the openai client in full and
streamed, rejects what it should, and each failure (a port in use, a model that does not load, a killed server) is one
line that names the cause; a stopped server frees its port, so a rerun works. Said in Arabic (language="ar"), each
line is Arabic inside a right-to-left isolate; in English, it is what notebook 12 stores."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import openai
import pytest

from helpers.language import END_ISOLATE, ISOLATE_RTL
from helpers.server import HOST, Server, ServerError, port_in_use, start_server

slow = pytest.mark.slow  # a real server
QUESTION = [{"role": "user", "content": "Hello! How are you today?"}]


@pytest.fixture(scope="module")
def server(tiny_llama):
    with start_server(tiny_llama) as running:
        yield running


def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=30)


@slow
def test_answers_in_full_and_streamed_with_the_same_tokens(server, tiny_llama):
    whole = client(server).chat.completions.create(model=str(tiny_llama), messages=QUESTION, max_tokens=12, temperature=0)
    assert whole.usage.completion_tokens <= 12 and whole.choices[0].message.content
    pieces = [chunk.choices[0].delta.content for chunk in client(server).chat.completions.create(
        model=str(tiny_llama), messages=QUESTION, max_tokens=12, temperature=0, stream=True)
        if chunk.choices and chunk.choices[0].delta.content]
    assert len(pieces) > 1 and "".join(pieces) == whole.choices[0].message.content  # greedy: the same reply, in pieces
    assert server.status() == f"the server at {server.url} is running."


@slow
def test_a_request_for_another_model_is_rejected_with_400(server):
    with pytest.raises(openai.BadRequestError) as rejected:
        client(server).chat.completions.create(model="some/other-model", messages=QUESTION, max_tokens=4)
    assert rejected.value.status_code == 400 and "pinned" in str(rejected.value.body)


@slow
def test_a_port_in_use_is_one_line_that_names_another_port(server, tiny_llama):
    with pytest.raises(ServerError, match=rf"^port {server.port} on 127.0.0.1 is in use .* port=\d+\.$") as taken:
        start_server(tiny_llama, port=server.port)
    assert "\n" not in str(taken.value)


@slow
def test_a_model_that_does_not_load_is_one_line_from_its_log(tmp_path):
    with pytest.raises(ServerError, match="exited with code 1 before it came up; its log .* ends: ") as failed:
        start_server(tmp_path / "no-model-here")
    assert "\n" not in str(failed.value) and failed.value.log.is_file() and f"its log ({failed.value.log})" in str(failed.value)
    with pytest.raises(ServerError) as arabic:
        start_server(tmp_path / "no-model-here", language="ar")
    said = str(arabic.value)
    assert arabic_line(said) and "\n" not in said and "exited" not in said and str(arabic.value.log) in said


@slow
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


NOTEBOOK_12 = Path(__file__).resolve().parents[1] / "notebooks" / "12_from_generate_to_a_server.ipynb"
ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def stored_output() -> str:
    """Every text notebook 12 stores, printed or shown."""
    return "\n".join(output.get("text", "") + output.get("data", {}).get("text/plain", "")
                     for cell in nbformat.read(NOTEBOOK_12, as_version=4).cells if cell.cell_type == "code"
                     for output in cell.outputs)


def without_run_details(message: str) -> str:
    """Notebook 12's own scrubbing: ports replaced (the model's folder does not occur here)."""
    return re.sub(r"[0-9]{4,5}", "PORT", message)


def arabic_line(text: str) -> bool:
    """Whether a line is Arabic words inside a right-to-left isolate."""
    return text.startswith(ISOLATE_RTL) and text.endswith(END_ISOLATE) and bool(ARABIC_LETTER.search(text))


@pytest.fixture()
def taken_port():
    """A port something listens on."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_port_in_use_is_said_in_the_notebooks_language(taken_port):
    """No server is started: the port is checked first. English is what notebook 12 stores; Arabic is Arabic, RTL."""
    with pytest.raises(ServerError) as english:
        start_server("no-model-needed", port=taken_port)
    assert f"ServerError: {without_run_details(str(english.value))}\n" in stored_output()
    with pytest.raises(ServerError) as arabic:
        start_server("no-model-needed", port=taken_port, language="ar")
    said = str(arabic.value)
    assert arabic_line(said) and f"port={taken_port}" not in said and "is in use" not in said and "\n" not in said
    assert arabic.value.text == said[1:-1] and arabic.value.log is None and str(taken_port) in said
    with pytest.raises(ValueError, match="choose one of en, ar"):
        start_server("no-model-needed", port=taken_port, language="fr")


def test_a_dead_servers_status_is_said_in_the_notebooks_language(tmp_path):
    """A server process killed by a signal, or one that exited: its status line, in English as notebook 12 stores it,
    in Arabic as Arabic in a right-to-left isolate."""
    log = tmp_path / "serve.log"
    log.write_text('INFO:     Started server process\nINFO:     127.0.0.1:51234 - "POST /v1/chat/completions HTTP/1.1" '
                   "422 Unprocessable Entity\n")
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    killed.kill()
    killed.wait()
    assert without_run_details(Server(killed, 47043, log).status()) + "\n" in stored_output()
    arabic = Server(killed, 47043, log, language="ar").status()
    assert arabic_line(arabic) and "killed" not in arabic and "47043" in arabic and "422 Unprocessable Entity" in arabic
    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    exited.wait()
    assert Server(exited, 47043, log).status().startswith("the server on port 47043 is not running (exited with code 3;")
    arabic = Server(exited, 47043, log, language="ar").status()
    assert arabic_line(arabic) and "exited" not in arabic and " 3" in arabic
