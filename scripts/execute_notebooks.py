"""Re-execute notebooks and store their outputs: `python scripts/execute_notebooks.py [--into DIR] [--allow-errors] [NOTEBOOK ...]`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(path: Path, into: Path | None = None, allow_errors: bool = False) -> float:
    """Run one notebook top to bottom in its own folder, store it with outputs, and return the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # Widget state is left out: its random ids would change the file on every run, and each widget cell prints its default.
    NotebookClient(notebook, timeout=900, kernel_name="python3", record_timing=False, store_widget_state=False,
                   allow_errors=allow_errors, resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, into / path.name if into else path)
    return time.perf_counter() - start


def main() -> None:
    """Execute the given notebooks, or every lesson and solution notebook, in place or into another folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/ and notebooks/solutions/")
    parser.add_argument("--into", type=Path, help="write the executed notebooks here instead of in place")
    parser.add_argument("--allow-errors", action="store_true", help="run on past a failing cell and store its error")
    args = parser.parse_args()
    if args.into:
        args.into.mkdir(parents=True, exist_ok=True)
    every = [*sorted(NOTEBOOKS.glob("[0-9]*.ipynb")), *sorted(NOTEBOOKS.glob("solutions/[0-9]*.ipynb"))]
    for path in args.notebooks or every:
        print(f"{path.name}: {execute(path, args.into, args.allow_errors):.1f} s", flush=True)


if __name__ == "__main__":
    main()
