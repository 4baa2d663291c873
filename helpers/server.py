"""A `transformers serve` process on 127.0.0.1 for the lessons and tests: started, waited for and stopped, with each
failure said in one line (a port in use, a server that does not come up, a server that died).

    with start_server(model_dir) as server:          # returns once GET /health answers
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="none")

`start_server(..., language="ar")` says its errors and the server's `status()` in Arabic (templates of helpers.language,
shown right-to-left); a ServerError keeps its log's path in `error.log`, whatever the language.

Logs: each server writes its log to a file in one folder per Python process (serve-logs-*, in the temp folder). A clean
stop (`stop()`, the end of a `with` block, the stop at exit) deletes that server's log; a start that fails keeps its log,
named by the ServerError, for the caller to read after the failure; the folder goes, with what is left in it, at exit.
A process killed outright runs no exit handler: the next process to start a server removes the folder it left.

A server ends with the Python process that started it, however that ends. At exit, `stop()` runs for each server; when
no exit handler runs (SIGKILL, an out-of-memory kill, a kernel killed by Jupyter), then on Linux, for a server started
from the main thread, the kernel sends it SIGTERM as its parent dies (prctl PR_SET_PDEATHSIG). Elsewhere (macOS), or
from another thread (PR_SET_PDEATHSIG fires when the *thread* that started the child ends), a watchdog thread in the
server checks twice a second whether its parent is still there, and sends the server SIGTERM when it is not.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers.language import check_language, displayed, message, say

HOST = "127.0.0.1"
CLI = "from transformers.cli.transformers import main; main()"  # `transformers serve`, with this Python
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Put before the child's own code where the kernel cannot end it with its parent: SIGTERM once the parent is gone.
WATCHDOG = """import os, signal, threading, time
def _watchdog(parent: int = {parent}) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=_watchdog, name="parent watchdog", daemon=True).start()
"""
_LOGS: list[Path] = []  # this process's log folder, once made
_LOGS_LOCK = threading.Lock()


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
    """The last non-empty line of a log file ('' when there is none, or no file: a stopped server's log is deleted)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def log_folder() -> Path:
    """This process's folder of server logs (serve-logs-PID-*), made at the first call and removed, with what is left
    in it, at exit; the folders left by processes that no longer run are removed first."""
    with _LOGS_LOCK:
        if not _LOGS:
            remove_orphaned_log_folders()
            _LOGS.append(Path(tempfile.mkdtemp(prefix=f"serve-logs-{os.getpid()}-")))
            atexit.register(shutil.rmtree, _LOGS[0], ignore_errors=True)  # after the servers' stops: atexit runs LIFO
        _LOGS[0].mkdir(mode=0o700, exist_ok=True)  # back, should a process in another PID namespace have removed it
        return _LOGS[0]


def remove_orphaned_log_folders() -> None:
    """Remove the log folders of processes killed outright (a kernel killed by Jupyter runs no exit handler)."""
    for folder in Path(tempfile.gettempdir()).glob("serve-logs-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def running(pid: int) -> bool:
    """Whether a process with this id runs (one of another user counts)."""
    try:
        os.kill(pid, 0)  # PermissionError: it runs, as another user
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A Popen preexec_fn (Linux): the kernel sends the child SIGTERM when the thread that started it ends."""
    prctl, signal_number = ctypes.CDLL(None, use_errno=True).prctl, ctypes.c_ulong(signal.SIGTERM)  # before the fork

    def arm() -> None:
        if prctl(PR_SET_PDEATHSIG, signal_number) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before prctl: no signal will come
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def spawn(code: str, *args: str, **popen: Any) -> subprocess.Popen:
    """`python -c code args...` as a child that ends when this process does, however it ends (see the module docstring)."""
    if sys.platform == "linux" and threading.current_thread() is threading.main_thread():
        return subprocess.Popen([sys.executable, "-c", code, *args], preexec_fn=_die_with_parent(os.getpid()), **popen)
    return subprocess.Popen([sys.executable, "-c", WATCHDOG.format(parent=os.getpid()) + code, *args], **popen)


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
        """Ask the process to stop (SIGTERM), kill it if it has not within `timeout` seconds, and delete its log."""
        self.end(timeout)
        self.log.unlink(missing_ok=True)

    def end(self, timeout: float = 10.0) -> None:
        """Ask the process to stop (SIGTERM), and kill it if it has not within `timeout` seconds; its log stays."""
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
    descriptor, name = tempfile.mkstemp(prefix=f"serve-{port}-", suffix=".log", dir=log_folder())
    log = Path(name)
    arguments = ["serve", str(model), "--host", HOST, "--port", str(port), "--device", "cpu", "--dtype", "float32",
                 *(["--continuous-batching"] if continuous_batching else []), *extra]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
    with open(descriptor, "w") as out:
        process = spawn(CLI, *arguments, stdout=out, stderr=subprocess.STDOUT, env=environment)
    server = Server(process, port, log, language)
    atexit.register(server.stop)  # a clean exit stops it; spawn() sees to any other end of this process
    deadline = time.monotonic() + timeout
    while not server.healthy():
        if process.poll() is not None:
            raise ServerError("the server exited with code {code} before it came up; its log ({log}) ends: {line!r}",
                              language=language, log=log, code=process.returncode, line=last_line(log))
        if time.monotonic() > deadline:
            server.end()  # its log stays for the caller, until this process exits
            raise ServerError("the server did not answer GET /health within {timeout:g} s (stopped now); its log ({log}) "
                              "ends: {line!r}. A slow machine may need start_server(..., timeout=300).", language=language,
                              log=log, timeout=timeout, line=last_line(log))
        time.sleep(0.2)
    return server
