"""A real `transformers serve` on 127.0.0.1 (a tiny model, CPU): it comes up, answers the openai client in full and
streamed, rejects what it should, and each failure (a port in use, a model that does not load, a killed server) is one
line that names the cause; a stopped server frees its port, so a rerun works. Said in Arabic (language="ar"), each
line is Arabic inside a right-to-left isolate; in English, it is what notebook 12 stores. A clean stop deletes a
server's log, a failed start keeps it until exit; a server, or any child spawn() starts, ends with its parent however
that dies (stand-ins for `transformers serve` keep the fast tests fast)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import openai
import pytest

import helpers.server as serving
from helpers.language import END_ISOLATE, ISOLATE_RTL
from helpers.server import HOST, Server, ServerError, log_folder, port_in_use, running, start_server

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
        assert again.healthy() and again.log.is_file()
    assert not port_in_use(port) and again.process.returncode is not None  # stopped: the port is free again
    assert not again.log.exists()  # and its log is deleted


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


# ---------------------------------------------------------------- logs, and a parent that dies

ROOT = Path(__file__).resolve().parents[1]
# Stand-ins for `transformers serve`, run as serving.CLI is: one that answers GET /health, one that fails, one silent.
ANSWERS = """import http.server, sys
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
print("a stand-in for transformers serve", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[sys.argv.index("--port") + 1])), Health).serve_forever()
"""
FAILS = 'print("OSError: no/such-model-here is not a folder", flush=True); raise SystemExit(1)'
SILENT = 'import time; print("loading the model", flush=True); time.sleep(60)'


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie, ended but not yet reaped by its new parent, does not)."""
    if not running(pid):
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return sys.platform != "linux"  # no /proc (macOS): kill's answer stands


def ends_within(seconds: float, pid: int) -> bool:
    """Whether a process is gone within some seconds."""
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def test_a_clean_stop_deletes_the_log_and_a_failed_start_keeps_it(monkeypatch):
    """Stopped with stop() or at the end of a `with` block, a server leaves no log; a failed start's log is there for
    the caller to read after the ServerError (notebook 12 does), whether the server exited or was stopped for silence."""
    monkeypatch.setattr(serving, "CLI", ANSWERS)
    with start_server("no-model-needed") as running:
        assert running.healthy() and running.log.parent == log_folder() and "stand-in" in running.log.read_text()
    assert not running.log.exists() and not port_in_use(running.port)
    stopped = start_server("no-model-needed")
    stopped.stop()
    assert not stopped.log.exists() and stopped.status().endswith("its log ends: ''): start it again.")
    monkeypatch.setattr(serving, "CLI", FAILS)
    with pytest.raises(ServerError, match="exited with code 1") as failed:
        start_server("no-model-needed")
    assert "is not a folder" in failed.value.log.read_text()
    monkeypatch.setattr(serving, "CLI", SILENT)
    with pytest.raises(ServerError, match="did not answer GET /health within 1 s") as silent:
        start_server("no-model-needed", timeout=1)
    assert "loading the model" in silent.value.log.read_text()


EXITS = f"""import helpers.server as serving
serving.CLI = {FAILS!r}
try:
    serving.start_server("no-model-needed")
except serving.ServerError as error:
    print(error.log)
serving.CLI = {ANSWERS!r}
running = serving.start_server("no-model-needed")  # left running: stopped at exit
print(running.log, running.port, running.process.pid, sep="\\n")
"""


def test_at_exit_no_log_is_left():
    """A process that exits leaves neither its failed start's log nor its running server's, nor their folder."""
    done = subprocess.run([sys.executable, "-c", EXITS], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    failed, running, port, pid = done.stdout.split()
    assert Path(failed).parent == Path(running).parent and Path(failed).name.endswith(".log")
    assert not Path(failed).exists() and not Path(running).exists() and not Path(running).parent.exists()
    assert ends_within(5, int(pid)) and not port_in_use(int(port))


def test_the_next_process_removes_the_log_folder_of_one_killed_outright(tmp_path):
    """A kernel killed outright leaves its log folder (no exit handler ran): the next process to make its own removes
    it, and leaves a running process's alone."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    orphaned, living = tmp_path / f"serve-logs-{ended.pid}-abc", tmp_path / f"serve-logs-{os.getpid()}-abc"
    for folder in (orphaned, living):
        folder.mkdir()
        (folder / "serve-1234-abc.log").write_text("a log\n")
    made = subprocess.run([sys.executable, "-c", "from helpers.server import log_folder; print(log_folder())"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert made.returncode == 0, made.stderr
    assert Path(made.stdout.strip()).parent == tmp_path and not Path(made.stdout.strip()).exists()  # its own: gone at exit
    assert not orphaned.exists() and (living / "serve-1234-abc.log").exists()


STARTS = """import sys, threading, time
from helpers.server import spawn
children = []
start = lambda: children.append(spawn("import time; time.sleep(120)"))
if sys.argv[1] == "thread":
    thread = threading.Thread(target=start)
    thread.start()
    thread.join()  # the thread that started the child has ended
else:
    start()
print(children[0].pid, flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("where", ["main", "thread"], ids=["from the main thread", "from a thread that ended"])
def test_a_child_ends_when_its_parent_is_killed(where):
    """SIGKILL runs no exit handler: the child ends anyway (Linux: the kernel's parent-death signal from the main
    thread, else the watchdog); one started from a thread outlives that thread, as long as its parent lives."""
    parent = subprocess.Popen([sys.executable, "-c", STARTS, where], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        time.sleep(1.0)
        assert alive(child)
        parent.kill()
        parent.wait()
        assert ends_within(5, child)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


@slow
def test_a_server_ends_when_the_process_that_started_it_is_killed(tiny_llama, tmp_path):
    """A kernel killed outright (SIGKILL) leaves no `transformers serve` behind: its port is free within seconds. (Its
    temp folder is the test's, where the log folder it leaves behind is the test's to clean up.)"""
    code = ("import time\nfrom helpers.server import start_server\nserver = start_server(__import__('sys').argv[1])\n"
            "print(server.port, server.process.pid, server.log.parent, flush=True)\ntime.sleep(300)")
    parent = subprocess.Popen([sys.executable, "-c", code, str(tiny_llama)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "TMPDIR": str(tmp_path)})
    port, pid, logs = parent.stdout.readline().split()
    try:
        assert Path(logs).parent == tmp_path and port_in_use(int(port)) and alive(int(pid))
        parent.kill()
        parent.wait()
        assert ends_within(15, int(pid)) and not port_in_use(int(port))
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
