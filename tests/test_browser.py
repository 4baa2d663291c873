"""A lesson notebook in JupyterLab in headless Chromium: all cells run without an error, and a slider drives its output.

Needs Debian's chromium and chromedriver (`make browser`); skipped without them unless WORKBOOK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
import yaml
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers.explorers import BUSY

ROOT = Path(__file__).resolve().parents[1]
# The lesson the browser opens (its folder is served from a copy); WORKBOOK_BROWSER_NOTEBOOK=path.ipynb tries another.
NOTEBOOK = Path(os.environ.get("WORKBOOK_BROWSER_NOTEBOOK") or ROOT / "notebooks" / "06_length_control.ipynb")
# Debian's packages by default; a machine with Chrome elsewhere (a GitHub runner) names its own.
CHROMIUM = Path(os.environ.get("WORKBOOK_CHROMIUM") or "/usr/bin/chromium")
CHROMEDRIVER = Path(os.environ.get("WORKBOOK_CHROMEDRIVER") or "/usr/bin/chromedriver")
# The artefacts: what the page looked like at the end, and how long each step took.
SCREENSHOT = ROOT / "build" / "browser" / f"{NOTEBOOK.stem}.png"
TIMINGS = SCREENSHOT.with_suffix(".json")
LAB_START_S, RUN_ALL_S, SLIDER_S = 120, 600, 60
# A quiet, reproducible page: no news or update pop-ups, never a save, every cell kept in the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

# The open notebook as JupyterLab's own objects see it (window.jupyterapp: --LabApp.expose_app_in_browser).
NOTEBOOK_STATE_JS = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!panel || !panel.content || !panel.sessionContext || !panel.content.widgets) return null;
const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
return {
  kernel: kernel ? kernel.status : 'none',
  cells: cells.length,
  not_run: cells.filter(cell => cell.model.executionCount === null).length,
  run_all: window.workbookRunAll || null,
};
"""
RUN_ALL_JS = """
const commands = window.jupyterapp.commands;
window.workbookRunAll = 'running';
commands.execute('notebook:run-all-cells').then(
  ok => { window.workbookRunAll = ok ? 'done' : 'stopped at an error'; },
  error => { window.workbookRunAll = 'failed: ' + error; });
"""
# Errors however they show: an error output in the notebook, a traceback on screen, a widget that failed to draw.
ERRORS_JS = """
const found = [];
window.jupyterapp.shell.currentWidget.content.widgets.forEach((cell, index) => {
  if (cell.model.type !== 'code') return;
  for (const output of cell.model.outputs.toJSON())
    if (output.output_type === 'error') found.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
});
for (const element of document.querySelectorAll('.jp-OutputArea-output, .jupyter-widgets')) {
  if (element.querySelector('.jp-OutputArea-output, .jupyter-widgets')) continue;  // its inner outputs say it once
  const text = element.innerText || '';
  for (const sign of ['Traceback', 'Error displaying widget', 'Failed to load model class', 'Model not found'])
    if (text.includes(sign)) { found.push(text.slice(-500)); break; }  // a traceback ends with its error
}
return found;
"""
# What the reader sees of the ipywidgets Output areas in the slider's cell: their text and a hash of each image.
OUTPUTS_OF_SLIDER_CELL_JS = """
const cell = arguments[0].closest('.jp-Cell');
const outputs = cell ? Array.from(cell.querySelectorAll('.widget-output')) : [];
if (!outputs.length) return null;
const hash = text => Array.from(text).reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) | 0, 0);
const images = out => Array.from(out.querySelectorAll('img'), img => ` [image ${hash(img.src)}]`).join('');
return outputs.map(out => out.innerText + images(out)).join('\\n');
"""
VISIBLE_ERRORS_JS = """
return Array.from(document.querySelectorAll(
  '.jp-Dialog, .jp-toast-message, .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'),
  element => element.innerText.trim()).filter(Boolean).join('\\n---\\n').slice(-3000);
"""


@dataclass
class Lab:
    """A running JupyterLab server: its address, token, log file and how long it took to answer."""

    url: str
    token: str
    log: Path
    start_s: float

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's log."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def require_browser() -> None:
    """Skip (fail, under WORKBOOK_REQUIRE_BROWSER=1) when chromium or chromedriver is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        message = f"no {' and no '.join(missing)}: run `make browser` as root (Debian's chromium and chromium-driver)"
        if os.environ.get("WORKBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lab_environment(home: Path) -> dict[str, str]:
    """Environment variables that keep JupyterLab's config, settings, workspaces and runtime files under `home`."""
    folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
               "IPYTHONDIR": "ipython", "JUPYTERLAB_SETTINGS_DIR": "settings",
               "JUPYTERLAB_WORKSPACES_DIR": "workspaces"}
    for plugin, values in LAB_SETTINGS.items():
        settings = home / "settings" / f"{plugin}.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(values))
    return os.environ | {name: str(home / folder) for name, folder in folders.items()}


@contextlib.contextmanager
def running_lab(folder: Path, tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab from the test environment on loopback, serving a copy of a folder of notebooks."""
    require_browser()
    # A copy, so that the stored notebooks never change; its kernel still finds `helpers` and data/models through the
    # editable install (helpers.models.REPO_ROOT), wherever the copy lies.
    served = tmp_path / "served"
    shutil.copytree(folder, served, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    port, token, log = free_port(), secrets.token_hex(16), tmp_path / "lab.log"
    command = [sys.executable, "-m", "jupyter", "lab", str(served), "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    started = time.monotonic()
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=served, env=lab_environment(tmp_path / "jupyter"), stdout=log_file,
                                  stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() - started > LAB_START_S:
                    pytest.fail(f"JupyterLab did not answer on {url}; its log ends:\n{log.read_text()[-3000:]}",
                                pytrace=False)
                time.sleep(0.5)
        yield Lab(url, token, log, time.monotonic() - started)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab serving the lesson's folder."""
    if not NOTEBOOK.is_file():
        pytest.fail(f"no notebook {NOTEBOOK}: set WORKBOOK_BROWSER_NOTEBOOK to an existing .ipynb", pytrace=False)
    with running_lab(NOTEBOOK.parent, tmp_path) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium driven by the system's chromedriver (never one Selenium Manager downloads)."""
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    # No sandbox: it refuses to run as root or in many CI containers, and the page is our own loopback server.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.browser
@pytest.mark.notebook
def test_lesson_runs_in_jupyterlab_and_its_slider_changes_its_output(lab: Lab, browser: webdriver.Chrome) -> None:
    """Open the lesson, run all cells, find no error, see a widget, move its slider and see its output change."""

    def fail(what: str) -> NoReturn:
        """Stop the test with what went wrong, what the page shows and the end of the server's log."""
        try:
            shown = browser.execute_script(VISIBLE_ERRORS_JS)
        except WebDriverException as error:
            shown = f"(could not read the page: {error.msg})"
        pytest.fail(f"{NOTEBOOK.name}: {what}\n--- on the page ---\n{shown or '(nothing)'}\n"
                    f"--- JupyterLab's log ends ---\n{lab.log_tail()}", pytrace=False)

    def wait(seconds: float, what: str, condition) -> float:
        """Wait until condition(driver) is true; the seconds it took, or fail naming what did not happen."""
        start = time.monotonic()
        try:
            WebDriverWait(browser, seconds, poll_frequency=0.5).until(condition)
            return time.monotonic() - start
        except TimeoutException:
            pass  # fail below, outside the handler, so that the report is not a chain of exceptions
        fail(f"{what} did not happen within {seconds} s (state: {browser.execute_script(NOTEBOOK_STATE_JS)})")

    def state() -> dict | None:
        """The notebook's kernel status and cell counts."""
        return browser.execute_script(NOTEBOOK_STATE_JS)

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    seconds = {"lab_start": lab.start_s}
    try:
        browser.get(f"{lab.url}/lab/tree/{NOTEBOOK.name}?reset&token={lab.token}")
        seconds["open"] = wait(LAB_START_S, "the notebook opening with an idle kernel",
                               lambda _: (state() or {}).get("kernel") == "idle")
        browser.execute_script("window.jupyterapp.shell.collapseLeft()")  # the notebook fills the screenshot
        browser.execute_script("return window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        if state()["not_run"] != state()["cells"]:
            fail(f"clearing the outputs left stored execution counts: {state()}")
        browser.execute_script(RUN_ALL_JS)
        seconds["run_all"] = wait(RUN_ALL_S, "running all cells",
                                  lambda _: state()["run_all"] != "running" and state()["kernel"] == "idle")
        finished = state()
        if finished["run_all"] != "done" or finished["not_run"]:
            fail(f"run all cells ended with {finished['run_all']!r}, {finished['not_run']} of {finished['cells']} "
                 f"code cells not run; errors: {browser.execute_script(ERRORS_JS)}")
        if errors := browser.execute_script(ERRORS_JS):
            fail("cells show errors:\n" + "\n".join(errors))

        handles = browser.find_elements(By.CSS_SELECTOR, ".jupyter-widgets.widget-slider .noUi-handle")
        if not handles:
            fail("no ipywidgets slider rendered (no .widget-slider on the page after running all cells)")
        handle = handles[0]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", handle)
        readout = handle.find_element(By.XPATH, "./ancestor::div[contains(@class, 'widget-slider')][1]"
                                                "//*[contains(@class, 'widget-readout')]")
        before = browser.execute_script(OUTPUTS_OF_SLIDER_CELL_JS, handle)
        if before is None:
            fail("the first slider's cell has no ipywidgets Output (.widget-output) for the slider to drive")
        value = readout.text
        for key in (Keys.ARROW_RIGHT, Keys.ARROW_LEFT):  # left when it starts at its maximum
            handle.send_keys(key)
            if readout.text != value:
                break
        if readout.text == value:
            fail(f"the arrow keys did not move the slider from {value}")
        moved = f"the slider's output being redrawn after moving it from {value} to {readout.text}"

        def redrawn(_) -> bool:
            """The output changed and shows a result, not the explorer's busy line."""
            now = browser.execute_script(OUTPUTS_OF_SLIDER_CELL_JS, handle)
            return now != before and BUSY not in str(now)

        seconds["slider"] = wait(SLIDER_S, moved, redrawn)
        if errors := browser.execute_script(ERRORS_JS):
            fail("moving the slider shows errors:\n" + "\n".join(errors))
    finally:
        browser.save_screenshot(str(SCREENSHOT))
        TIMINGS.write_text(json.dumps({step: round(took, 1) for step, took in seconds.items()}) + "\n")


# The computed text direction of what a reader sees: prose, inline code in it, a code cell, an output.
DIRECTIONS_JS = """
const direction = selector => {
  const element = document.querySelector(selector);
  return element ? getComputedStyle(element).direction : null;
};
return Object.fromEntries(Object.entries(arguments[0]).map(([what, selector]) => [what, direction(selector)]));
"""
ARABIC_LESSON = "06_length_control"
IN_JUPYTERLAB = {"prose": '.jp-MarkdownOutput div[dir="rtl"] p',
                 "inline code": '.jp-MarkdownOutput div[dir="rtl"] span[dir="ltr"] code',
                 "code cell": ".jp-CodeCell .cm-content", "output": ".jp-OutputArea-output pre"}
IN_THE_BOOK = {"prose": "article p", "inline code": "article p code", "code cell": "div.cell_input pre",
               "output": "div.cell_output pre"}


def directions(browser: webdriver.Chrome, selectors: dict[str, str], seconds: float) -> dict[str, str | None]:
    """The computed direction of each kind of element, once every one of them is on the page (or after `seconds`)."""
    try:
        WebDriverWait(browser, seconds, poll_frequency=0.5).until(
            lambda _: None not in browser.execute_script(DIRECTIONS_JS, selectors).values())
    except TimeoutException:
        pass  # the assertion below says which element is missing
    return browser.execute_script(DIRECTIONS_JS, selectors)


@pytest.fixture
def arabic_lab(tmp_path: Path) -> Iterator[Lab]:
    """JupyterLab serving the Arabic edition."""
    with running_lab(ROOT / "notebooks" / "ar", tmp_path) as running:
        yield running


@pytest.mark.browser
@pytest.mark.notebook
def test_an_arabic_lesson_reads_right_to_left_in_jupyterlab(arabic_lab: Lab, browser: webdriver.Chrome) -> None:
    """In JupyterLab an Arabic lesson's prose is right-to-left; its inline code, code cells and outputs left-to-right."""
    screenshot = SCREENSHOT.parent / f"ar-{ARABIC_LESSON}.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    try:
        browser.get(f"{arabic_lab.url}/lab/tree/{ARABIC_LESSON}.ipynb?reset&token={arabic_lab.token}")
        seen = directions(browser, IN_JUPYTERLAB, LAB_START_S)
        browser.execute_script("window.jupyterapp.shell.collapseLeft()")
    finally:
        browser.save_screenshot(str(screenshot))
    assert seen == {"prose": "rtl", "inline code": "ltr", "code cell": "ltr", "output": "ltr"}, (
        f"{seen}; JupyterLab's log ends:\n{arabic_lab.log_tail()}")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_book_page_reads_in_its_language_direction(book: Path, browser: webdriver.Chrome, language: str) -> None:
    """On the built site an Arabic page's prose is right-to-left and its code left-to-right; an English page is all
    left-to-right."""
    screenshot = SCREENSHOT.parent / f"book-{language}-{ARABIC_LESSON}.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    try:
        browser.get((book / language / f"{ARABIC_LESSON}.html").as_uri())
        seen = directions(browser, IN_THE_BOOK, 10)
    finally:
        browser.save_screenshot(str(screenshot))
    prose = "rtl" if language == "ar" else "ltr"
    assert seen == {"prose": prose, "inline code": "ltr", "code cell": "ltr", "output": "ltr"}, seen


def test_a_missing_browser_skips_here_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without chromium the test is skipped with the fix, unless WORKBOOK_REQUIRE_BROWSER=1 makes that a failure."""
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("WORKBOOK_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make browser"):
        require_browser()
    monkeypatch.setenv("WORKBOOK_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="/nonexistent/chromium"):
        require_browser()


def test_install_browser_without_apt_get_says_the_fix_in_one_line(tmp_path: Path) -> None:
    """On a machine without the browser and without apt-get the install script stops with one line naming the fix."""
    result = subprocess.run(["/bin/bash", str(ROOT / "scripts" / "install_browser.sh")], capture_output=True, text=True,
                            env={"PATH": str(tmp_path), "WORKBOOK_CHROMIUM": str(tmp_path / "chromium")})
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Fix:" in result.stderr and "WORKBOOK_CHROMIUM" in result.stderr


def test_ci_keeps_the_screenshot() -> None:
    """The CPU job of the GitHub workflow uploads build/browser/, the screenshot and step timings."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    steps = workflow["jobs"]["cpu"]["steps"]
    kept = [step["with"]["path"] for step in steps if "upload-artifact" in step.get("uses", "")]
    assert any("build/browser/" in path for path in kept), kept
