"""A `transformers serve` process on 127.0.0.1 for the lessons and tests: started, waited for and stopped, with each
failure said in one line (a port in use, a server that does not come up, a server that died).

    with start_server(model_dir) as server:          # returns once GET /health answers
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="none")

`start_server(..., language="ar")` says its errors and the server's `status()` in Arabic (templates of helpers.language,
shown right-to-left); a ServerError keeps its log's path in `error.log`, whatever the language.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from helpers.language import check_language, displayed, message, say

HOST = "127.0.0.1"
CLI = "from transformers.cli.transformers import main; main()"  # `transformers serve`, with this Python


class ServerError(RuntimeError):
    """What went wrong with the server, in one line that names the fix, said in `language` (a template and its values);
    `log` is the server's log file, where there is one."""

    def __init__(self, template: str, /, *, language: str = "en", log: Path | None = None, **values: Any) -> None:
        self.text, self.language, self.log = say(language, template, log=log, **values), language, log
        super().__init__(displayed(language, self.text))


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something on 127.0.0.1 listens on the port (a closed connection's TIME_WAIT does not count: the server
    binds with SO_REUSEADDR, as this probe does)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


def last_line(path: Path) -> str:
    """The last non-empty line of a log file ('' when there is none)."""
    lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


class Server:
    """A running `transformers serve` process: its base URL, its log, and a clean stop."""

    def __init__(self, process: subprocess.Popen, port: int, log: Path, language: str = "en") -> None:
        self.process, self.port, self.log, self.language = process, port, log, language
        self.url = f"http://{HOST}:{port}"

    def healthy(self) -> bool:
        """Whether GET /health answers 200 now."""
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def status(self) -> str:
        """One line, in the server's language as a notebook prints it: running, or why not (killed, exited, not answering)."""
        code = self.process.poll()
        if code is not None:
            how = message("killed by signal {signal}", signal=-code) if code < 0 else message("exited with code {code}", code=code)
            said = say(self.language, "the server on port {port} is not running ({how}; its log ends: {line!r}): start it "
                       "again.", port=self.port, how=how, line=last_line(self.log))
        elif not self.healthy():
            said = say(self.language, "the server on port {port} is running but does not answer GET /health: wait, or stop "
                       "it and start again.", port=self.port)
        else:
            said = say(self.language, "the server at {url} is running.", url=self.url)
        return displayed(self.language, said)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the process to stop (SIGTERM), and kill it if it has not within `timeout` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(model: str | Path, port: int | None = None, continuous_batching: bool = False, timeout: float = 120.0,
                 extra: tuple[str, ...] = (), language: str = "en") -> Server:
    """Start `transformers serve MODEL` on 127.0.0.1 (CPU, float32, offline) and return once it answers GET /health;
    ServerError in one line (in `language`) if the port is taken, the process exits first, or it does not answer within
    `timeout`."""
    check_language(language)
    if port is None:
        port = free_port()
    elif port_in_use(port):
        raise ServerError("port {port} on {host} is in use (another server still running?): stop that one, or pass "
                          "another port, e.g. port={free}.", language=language, port=port, host=HOST, free=free_port())
    log = Path(tempfile.mkstemp(prefix=f"serve-{port}-", suffix=".log")[1])
    command = [sys.executable, "-c", CLI, "serve", str(model), "--host", HOST, "--port", str(port), "--device", "cpu",
               "--dtype", "float32", *(["--continuous-batching"] if continuous_batching else []), *extra]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    server = Server(process, port, log, language)
    atexit.register(server.stop)  # a server outlives no Python process that started it, a notebook's kernel included
    deadline = time.monotonic() + timeout
    while not server.healthy():
        if process.poll() is not None:
            raise ServerError("the server exited with code {code} before it came up; its log ({log}) ends: {line!r}",
                              language=language, log=log, code=process.returncode, line=last_line(log))
        if time.monotonic() > deadline:
            server.stop()
            raise ServerError("the server did not answer GET /health within {timeout:g} s (stopped now); its log ({log}) "
                              "ends: {line!r}. A slow machine may need start_server(..., timeout=300).", language=language,
                              log=log, timeout=timeout, line=last_line(log))
        time.sleep(0.2)
    return server
