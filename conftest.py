"""Strict nbval runs as another CPU would: no compared output may depend on 16-bit or quantized rounding.

CPUs round bfloat16 and quantized arithmetic differently (native bfloat16 or not, AVX2 or AVX-512), and CI's machines
differ from run to run, so a stored output computed that way passes on one machine and fails on the next. Under
`--nbval`, each notebook's kernel starts with tests/cpu_path/sitecustomize.py nudging exactly that arithmetic: such
an output then fails here, on every machine, instead of on some. Float32 results are untouched and stay compared.
`--nbval-lax` (the GPU run, which compares only device-independent cells) is left alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest

# notebooks/ar/ is generated from the checked English notebooks, its code and outputs copied (tests/test_translations.py
# proves it), so nbval runs the English edition only.
collect_ignore = ["notebooks/ar"]
OTHER_ROUNDING = {"WORKBOOK_TEST_OTHER_ROUNDING": "1",
                  "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parent / "tests" / "cpu_path"),
                                                              os.environ.get("PYTHONPATH")]))}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    """Start strict nbval kernels (the first cell's set-up starts its notebook's kernel) with the other rounding."""
    strict_notebook = type(item.parent).__name__ == "IPyNbFile" and not item.config.getoption("nbval_lax", True)
    with mock.patch.dict(os.environ, OTHER_ROUNDING if strict_notebook else {}):
        yield
