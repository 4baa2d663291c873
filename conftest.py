"""The whole suite's set-up: strict nbval's kernels round as another CPU would, and pytest-xdist's workers share the
work without repeating it.

Strict nbval runs as another CPU would: no compared output may depend on 16-bit or quantized rounding.

CPUs round bfloat16 and quantized arithmetic differently (native bfloat16 or not, AVX2 or AVX-512), and CI's machines
differ from run to run, so a stored output computed that way passes on one machine and fails on the next. Under
`--nbval`, each notebook's kernel starts with tests/cpu_path/sitecustomize.py nudging exactly that arithmetic: such
an output then fails here, on every machine, instead of on some. Float32 results are untouched and stay compared.
`--nbval-lax` (the GPU run, which compares only device-independent cells) is left alone.

`make test` runs on one pytest-xdist worker per core (`--dist loadfile`): a notebook's cells share its kernel, and a
test module's tests share its fixtures (a server, a built pack, a module-scoped run), so each file goes to one worker,
whole. The files that start kernels go out first, then the browser's and the other slow ones (servers, the default
model), then the notebooks, and the quick files last, so that the workers finish together. A test marked
`covered_by_notebook(path)` checks what that notebook's compared outputs already prove: it is deselected when strict
nbval (`--nbval`, every output compared) validates the notebook in the same run, and runs otherwise.
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


FIRST = ("notebook", "browser", "slow")  # the markers of the test files pytest-xdist gets first, in this order


def is_cell(item: pytest.Item) -> bool:
    """Whether the item is a notebook cell collected by nbval."""
    return type(item.parent).__name__ == "IPyNbFile"


@pytest.hookimpl(trylast=True)  # after tests/conftest.py has marked the tests that load the default model
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests whose notebook strict nbval validates in this run; order the files for pytest-xdist: those
    that start kernels, then the browser's, the other slow ones, the notebooks, and the quick ones last."""
    strict = config.getoption("nbval", False) and not config.getoption("nbval_lax", False)  # every output compared
    validated = {Path(item.path) for item in items if is_cell(item) and strict}
    covered = [item for item in items
               if any(Path(config.rootpath, mark.args[0]) in validated for mark in item.iter_markers("covered_by_notebook"))]
    if covered:
        config.hook.pytest_deselected(items=covered)
        items[:] = [item for item in items if item not in covered]
    ranks: dict[Path, int] = {}
    for item in items:
        marked = {mark.name for mark in item.iter_markers()}
        rank = next((rank for rank, name in enumerate(FIRST) if name in marked), len(FIRST) + 1)
        rank = len(FIRST) if is_cell(item) else rank  # notebooks after the marked files, before the quick ones
        ranks[item.path] = min(rank, ranks.get(item.path, rank))
    items.sort(key=lambda item: ranks[item.path])  # stable: each file's items stay together, in their order


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    """Start strict nbval kernels (the first cell's set-up starts its notebook's kernel) with the other rounding."""
    strict_notebook = is_cell(item) and not item.config.getoption("nbval_lax", True)
    with mock.patch.dict(os.environ, OTHER_ROUNDING if strict_notebook else {}):
        yield
