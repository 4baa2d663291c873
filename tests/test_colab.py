"""Colab: the links agree with the repository's address, and a notebook opened alone installs the workbook and runs.

The Colab path runs offline here: a notebook copied alone into an empty folder, a fresh virtual environment
that sees the test environment's packages but not the workbook (as Colab has torch and friends but not the
helpers), the Colab branch forced by WORKBOOK_FORCE_COLAB, and the workbook installed from a wheel built
from this checkout (as `make pack` builds it) instead of GitHub.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import colab  # noqa: E402  (scripts/colab.py)
import pack  # noqa: E402  (scripts/pack.py)
from conftest import preinstalled_environment, run  # noqa: E402

WORKBOOK = "llm-generation-workbook-helpers"


def test_links_and_install_cells_agree_with_the_repository_address():
    assert colab.stale_files(write=False) == [], "run `make links`"
    repo, readme = colab.repository(), (ROOT / "README.md").read_text()
    for path in colab.NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        assert colab.colab_url(path, repo) in notebook.cells[0].source, f"{path.name} has no Colab badge"
        install = next(cell for cell in notebook.cells if cell.cell_type == "code")
        assert install.source.startswith(colab.INSTALL_MARKER) and f"git+{repo}" in install.source
        assert colab.colab_url(path, repo) in readme, f"the README has no Colab badge for {path.name}"
        twin = path.parent / "ar" / path.name
        assert f"](notebooks/ar/{path.name})" in readme and colab.colab_url(twin, repo) in readme, (
            f"the README does not link the Arabic {path.name} and its Colab badge")
    assert f"({colab.site_url(repo)})" in readme, "the README does not link the book site"


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("WORKBOOK_MODEL") is not None, reason="the Colab path prepares the default model")
def test_notebook_opened_alone_runs_through_the_colab_path(tmp_path):
    wheels = tmp_path / "wheels"
    pack.build_workbook_wheel(wheels, tmp_path / "pip.log")
    python = preinstalled_environment(tmp_path)
    run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "colab-like"])
    alone = tmp_path / "alone"
    alone.mkdir()
    notebook = ROOT / "notebooks" / "03_how_generation_works.ipynb"
    (alone / notebook.name).write_bytes(notebook.read_bytes())
    from helpers.models import cache_dir, resolve_model

    resolve_model()  # the default model, prepared once by `make model`: the Colab cell then finds it valid
    env = os.environ | {"WORKBOOK_FORCE_COLAB": "1", "WORKBOOK_SOURCE": WORKBOOK, "WORKBOOK_CACHE": str(cache_dir()),
                        "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "HF_HUB_OFFLINE": "1"}
    run([str(python), "-m", "papermill", "-k", "colab-like", "--cwd", str(alone), notebook.name, "executed.ipynb"],
        cwd=alone, env=env)
    probe = "import helpers, torch; print(helpers.__file__, torch.__file__, (helpers.DATA_DIR / 'prompts.txt').is_file())"
    helpers_file, torch_file, has_prompts = run([str(python), "-c", probe], cwd=alone).stdout.split()
    assert helpers_file.startswith(str(tmp_path / "venv")), "the Colab cell did not install the workbook's wheel"
    assert torch_file.startswith(str(tmp_path / "preinstalled")), "the Colab cell replaced the preinstalled torch"
    assert has_prompts == "True", "the wheel lacks the shipped prompts"
    site = Path(helpers_file).parents[1]
    added = sorted(p.name for p in site.iterdir() if p.name not in {"colab_preinstalled.pth", "__pycache__"})
    assert [name.split("-")[0] for name in added] == ["helpers", "llm_generation_workbook_helpers"], (
        f"the Colab cell installed more than the workbook: {added}")
    executed = nbformat.read(alone / "executed.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors and any("Paris" in str(c.get("outputs")) for c in executed.cells)


def test_colab_cell_without_network_says_what_to_do(tmp_path):
    cell = next(c for c in nbformat.read(colab.NOTEBOOKS[0], as_version=4).cells if c.cell_type == "code")
    env = os.environ | {"WORKBOOK_FORCE_COLAB": "1", "WORKBOOK_SOURCE": "no-such-package-anywhere",
                        "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", cell.source], capture_output=True, text=True, env=env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "Could not install the workbook (see above): give the runtime internet access, then run this cell again.")
