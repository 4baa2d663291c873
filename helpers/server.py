"""A `transformers serve` process on 127.0.0.1 for the lessons and tests: started, waited for and stopped, with each
failure said in one line (a port in use, a server that does not come up, a server that died).

    with start_server(model_dir) as server:          # returns once GET /health answers
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="none")
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

HOST = "127.0.0.1"
CLI = "from transformers.cli.transformers import main; main()"  # `transformers serve`, with this Python


class ServerError(RuntimeError):
    """What went wrong with the server, in one line that names the fix."""


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

    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log
        self.url = f"http://{HOST}:{port}"

    def healthy(self) -> bool:
        """Whether GET /health answers 200 now."""
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def status(self) -> str:
        """One line: running, or why not (killed, exited, not answering)."""
        code = self.process.poll()
        if code is not None:
            how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
            return f"the server on port {self.port} is not running ({how}; its log ends: {last_line(self.log)!r}): start it again."
        if not self.healthy():
            return f"the server on port {self.port} is running but does not answer GET /health: wait, or stop it and start again."
        return f"the server at {self.url} is running."

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
                 extra: tuple[str, ...] = ()) -> Server:
    """Start `transformers serve MODEL` on 127.0.0.1 (CPU, float32, offline) and return once it answers GET /health;
    ServerError in one line if the port is taken, the process exits first, or it does not answer within `timeout`."""
    if port is None:
        port = free_port()
    elif port_in_use(port):
        raise ServerError(f"port {port} on {HOST} is in use (another server still running?): stop that one, or pass "
                          f"another port, e.g. port={free_port()}.")
    log = Path(tempfile.mkstemp(prefix=f"serve-{port}-", suffix=".log")[1])
    command = [sys.executable, "-c", CLI, "serve", str(model), "--host", HOST, "--port", str(port), "--device", "cpu",
               "--dtype", "float32", *(["--continuous-batching"] if continuous_batching else []), *extra]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    server = Server(process, port, log)
    atexit.register(server.stop)  # a server outlives no Python process that started it, a notebook's kernel included
    deadline = time.monotonic() + timeout
    while not server.healthy():
        if process.poll() is not None:
            raise ServerError(f"the server exited with code {process.returncode} before it came up; its log ({log}) "
                              f"ends: {last_line(log)!r}")
        if time.monotonic() > deadline:
            server.stop()
            raise ServerError(f"the server did not answer GET /health within {timeout:g} s (stopped now); its log "
                              f"({log}) ends: {last_line(log)!r}. A slow machine may need start_server(..., timeout=300).")
        time.sleep(0.2)
    return server
