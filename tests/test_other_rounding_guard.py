"""The guard that keeps CPU-dependent outputs unpinned: strict nbval fails a compared cell computed in 16 bits or by a
quantized layer (conftest.py, tests/cpu_path/sitecustomize.py), and passes one computed in float32."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.notebook

pytest.importorskip("bitsandbytes")

ROOT = Path(__file__).resolve().parents[1]
SETUP = "import torch\ntorch.manual_seed(0)\nx, w = torch.randn(4, 64), torch.randn(64, 64)"
CELLS = {
    "float32": "print(torch.nn.functional.linear(x, w).sum().item())",
    "bfloat16": "print(torch.nn.functional.linear(x.bfloat16(), w.bfloat16()).sum().item())",
    "4-bit": "import bitsandbytes as bnb\n"
             "layer = bnb.nn.Linear4bit(64, 64, compute_dtype=torch.float32)\n"
             "layer.weight = bnb.nn.Params4bit(w, requires_grad=False).to('cpu')\n"
             "layer.support_avx512bf16_for_cpu = False\n"
             "print(layer.eval()(x).sum().item())",
}


def test_strict_nbval_fails_exactly_the_cells_computed_in_16_bits_or_quantized(tmp_path):
    cells = []
    for count, source in enumerate([SETUP, *CELLS.values()], start=1):
        printed = io.StringIO()  # what the cell prints here, unguarded: the same torch on the same CPU, as stored outputs
        with contextlib.redirect_stdout(printed):
            exec(source if source == SETUP else SETUP + "\n" + source, {})
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        if printed.getvalue():
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed.getvalue())]
        cells.append(cell)
    path = tmp_path / "guarded.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    # -p conftest: the repository's conftest.py is not an ancestor of tmp_path, so it is loaded by name from ROOT.
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-rA",
                          "--nbval", "--nbval-current-env", str(path)], capture_output=True, text=True, cwd=ROOT, env=env)
    verdicts = {number: verdict for verdict, number in re.findall(r"^(PASSED|FAILED) \S+::Cell (\d+)", run.stdout, re.M)}
    assert verdicts == {"0": "PASSED", "1": "PASSED", "2": "FAILED", "3": "FAILED"}, run.stdout[-3000:]
