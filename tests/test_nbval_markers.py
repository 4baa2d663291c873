"""nbval honours a cell marker only when the comment holds the marker alone: `# NBVAL_IGNORE_OUTPUT  (why)` is ignored."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").rglob("[0-9]*.ipynb"))
MARKER = re.compile(r"^\s*#.*\bNBVAL_[A-Z_]+\b.*$", re.MULTILINE)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_nbval_marker_stands_alone_on_its_line(notebook):
    cells = [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    annotated = [line.strip() for cell in cells for line in MARKER.findall(cell.source)
                 if not re.fullmatch(r"#\s*NBVAL_[A-Z_]+", line.strip())]
    assert not annotated, f"nbval would not see these markers (put the reason on the next line): {annotated}"
