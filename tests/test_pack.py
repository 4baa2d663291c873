"""The offline pack (`make pack`): built once, installed into a fresh environment with the network cut, a notebook run.

The network is cut by a new network namespace (`unshare --net` as root, else `unshare --map-root-user --net`),
with only the loopback interface up for the Jupyter kernel; where neither is allowed, by proxies that lead nowhere
(the test prints which). pip reads no configuration, whose find-links and indexes would offer wheels from outside
the pack, and HOME is an empty folder, as on a learner's fresh account. Two liberties save 80 s: pip installs
without compiling .pyc files (--no-compile), and the environment is made without its own pip (the test's pip,
`--python`, installs into it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import run

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import pack  # noqa: E402  (scripts/pack.py)

NOTEBOOK = "03_how_generation_works.ipynb"  # one of the two shortest, and its outputs are all deterministic
DEAD_PROXY = "http://127.0.0.1:9"


def network_cut() -> tuple[list[str], dict[str, str], str]:
    """A command prefix and environment that cut the network, and their name: a network namespace, else dead proxies."""
    loopback = ["sh", "-c", 'ip link set lo up && exec "$@"', "sh"]  # the kernel talks to Jupyter over 127.0.0.1
    for unshare in (["unshare", "--net"], ["unshare", "--map-root-user", "--net"]):
        if shutil.which("unshare") and subprocess.run([*unshare, *loopback, "true"], capture_output=True).returncode == 0:
            return [*unshare, *loopback], {}, " ".join(unshare)
    proxies = {name: DEAD_PROXY for name in ("http_proxy", "https_proxy", "all_proxy")}
    return [], {**proxies, **{name.upper(): url for name, url in proxies.items()}, "no_proxy": "", "NO_PROXY": ""}, (
        f"proxies at {DEAD_PROXY} (no unshare here)")


def learner_env(home: Path, models: Path, extra: dict[str, str]) -> dict[str, str]:
    """This environment less pip's, Jupyter's and the workbook's settings, with an empty HOME and the pack's models."""
    dropped = ("PIP_", "JUPYTER", "WORKBOOK_", "PYTHON", "VIRTUAL_ENV")
    kept = {k: v for k, v in os.environ.items() if not k.upper().startswith(dropped)}
    return kept | extra | {"HOME": str(home), "PIP_CONFIG_FILE": os.devnull, "WORKBOOK_CACHE": str(models)}


def shown(cell: nbformat.NotebookNode) -> list[str]:
    """What a code cell shows as text: its standard output, then each result's text/plain."""
    stdout = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    return [stdout, *(o.data["text/plain"] for o in cell.outputs if o.output_type == "execute_result")]


@pytest.fixture(scope="module")
def built_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pack built by the script, as `make pack` builds it, into a temporary folder."""
    out = tmp_path_factory.mktemp("pack") / "workbook-pack"
    start = time.perf_counter()
    printed = run([sys.executable, str(ROOT / "scripts" / "pack.py"), "--out", str(out)]).stdout
    print(f"\npack built in {time.perf_counter() - start:.0f} s: {printed.splitlines()[0]}")
    return out


@pytest.mark.network
@pytest.mark.notebook
@pytest.mark.skipif(os.name != "posix", reason="the network cut and the install line are POSIX")
def test_pack_installs_offline_and_runs_a_notebook_with_its_model(built_pack, tmp_path):
    assert {p.name for p in built_pack.iterdir()} == {"README.md", "wheels", "models", "notebooks"}
    assert (built_pack / "models" / pack.default_gguf().name).is_file(), "the pack has no GGUF file for lesson 15"
    assert pack.install_line(pack.THIS_PYTHON) in (built_pack / "README.md").read_text()
    prefix, cut_env, how = network_cut()
    print(f"network cut by {how}")
    env = learner_env(tmp_path / "home", built_pack / "models", cut_env)
    (tmp_path / "home").mkdir()
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    start = time.perf_counter()
    run([*prefix, sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-compile",
         *pack.INSTALL], cwd=built_pack, env=env)
    print(f"installed offline in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    run([*prefix, str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=600", "--output-dir", str(tmp_path), str(built_pack / "notebooks" / NOTEBOOK)],
        cwd=built_pack, env=env)
    print(f"{NOTEBOOK} ran in the pack's environment in {time.perf_counter() - start:.0f} s")
    stored = nbformat.read(built_pack / "notebooks" / NOTEBOOK, as_version=4).cells
    executed = nbformat.read(tmp_path / NOTEBOOK, as_version=4).cells
    errors = [o for cell in executed for o in cell.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    compared = [(old, new) for old, new in zip(stored, executed)
                if old.cell_type == "code" and old.execution_count and "NBVAL_IGNORE_OUTPUT" not in old.source]
    assert len(compared) > 5
    for old, new in compared:
        assert shown(new) == shown(old), f"the pack's environment shows other output for:\n{old.source}"


@pytest.mark.network
def test_a_failed_download_names_the_fix_and_leaves_no_pack(tmp_path):
    impossible = tmp_path / "constraints.txt"
    impossible.write_text("transformers==0.0.1\n")
    out = tmp_path / "workbook-pack"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "pack.py"), "--out", str(out), "--torch", "",
                             "--constraints", str(impossible)], capture_output=True, text=True)
    assert result.returncode == 1
    said = result.stderr.strip().splitlines()
    assert len(said) == 1 and said[0].startswith("error: could not download the wheels: ERROR:"), said
    assert "transformers" in said[0] and "Fix:" in said[0] and str(tmp_path / "workbook-pack-pip.log") in said[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["constraints.txt", "workbook-pack-pip.log"]


def test_refuses_to_replace_a_folder_that_is_not_a_pack(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "pack.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.strip() == (
        f"error: {tmp_path} exists and is not a pack: choose another folder with --out (it is replaced).")
    assert (tmp_path / "notes.txt").read_text() == "mine"
