"""The whole suite's set-up: strict nbval's kernels round as another CPU would, and pytest-xdist's workers share the
work without repeating it.

Strict nbval runs as another CPU would: no compared output may depend on 16-bit or quantized rounding.

CPUs round bfloat16 and quantized arithmetic differently (native bfloat16 or not, AVX2 or AVX-512), and CI's machines
differ from run to run, so a stored output computed that way passes on one machine and fails on the next. Under
`--nbval`, each notebook's kernel starts with tests/cpu_path/sitecustomize.py nudging exactly that arithmetic: such
an output then fails here, on every machine, instead of on some. Float32 results are untouched and stay compared.
`--nbval-lax` (the GPU run, which compares only device-independent cells) is left alone.

`make test` runs on one pytest-xdist worker per core (`--dist loadgroup`): a notebook's cells share its kernel, and a
test module's tests share its fixtures (a server, a built pack, a module-scoped run), so each goes to one worker, whole;
a module that sets `INDEPENDENT_TESTS = True` (tests sharing only the session's models) is spread test by test. The
work that starts kernels goes out first and the spread tests last, so that the workers finish together. A test marked
`covered_by_notebook(path)` checks what that notebook's compared outputs already prove: it is deselected when nbval
validates the notebook in the same run, and runs otherwise.
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


def is_cell(item: pytest.Item) -> bool:
    """Whether the item is a notebook cell collected by nbval."""
    return type(item.parent).__name__ == "IPyNbFile"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests whose notebook nbval validates in this run; group and order the rest for pytest-xdist."""
    validated = {Path(item.path) for item in items if is_cell(item)}
    covered = [item for item in items
               if any(Path(config.rootpath, mark.args[0]) in validated for mark in item.iter_markers("covered_by_notebook"))]
    if covered:
        config.hook.pytest_deselected(items=covered)
        items[:] = [item for item in items if item not in covered]
    ranks: dict[str, int] = {}
    for item in items:
        spread = not is_cell(item) and getattr(item.module, "INDEPENDENT_TESTS", False)
        group = None if spread else str(Path(item.path).relative_to(config.rootpath))
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
        starts_kernels = is_cell(item) or any(item.iter_markers("notebook")) or any(item.iter_markers("browser"))
        rank = 3 if spread else 0 if starts_kernels and not is_cell(item) else 1 if is_cell(item) else 2
        ranks[group or item.nodeid] = min(rank, ranks.get(group or item.nodeid, rank))
    items.sort(key=lambda item: ranks[next((m.args[0] for m in item.iter_markers("xdist_group")), item.nodeid)])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    """Start strict nbval kernels (the first cell's set-up starts its notebook's kernel) with the other rounding."""
    strict_notebook = is_cell(item) and not item.config.getoption("nbval_lax", True)
    with mock.patch.dict(os.environ, OTHER_ROUNDING if strict_notebook else {}):
        yield
