"""Write each exercise's code into its notebooks: `python scripts/write_exercises.py [--check]`.

An exercise's code has one home, `data/exercises/NN/start/FUNCTION.py` and `.../solution/FUNCTION.py`. This script
writes the starting code into the lesson notebook `notebooks/NN_*.ipynb` and the solution into
`notebooks/solutions/NN_*_solutions.ipynb`, each into the code cell that defines that function. `--check` changes
nothing and exits 1 when a notebook is out of date or lacks a cell for an exercise. Re-execute a notebook whose
code changed (`make notebooks`), so that its stored outputs follow.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from helpers.exercises import exercises_for, lessons

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_pair(lesson: str) -> tuple[Path, Path]:
    """The lesson's notebook and its solution notebook."""
    lesson_notebook = next(NOTEBOOKS.glob(f"{lesson}_*.ipynb"), None)
    if lesson_notebook is None:
        sys.exit(f"error: data/exercises/{lesson}/ has no notebook: add notebooks/{lesson}_<name>.ipynb.")
    return lesson_notebook, NOTEBOOKS / "solutions" / f"{lesson_notebook.stem}_solutions.ipynb"


def defining_cell(notebook: nbformat.NotebookNode, function: str) -> nbformat.NotebookNode | None:
    """The code cell that defines the function (or class), if any."""
    defines = re.compile(rf"^(?:def|class) {re.escape(function)}\b", re.MULTILINE)
    return next((c for c in notebook.cells if c.cell_type == "code" and defines.search(c.source)), None)


def write(check: bool) -> list[str]:
    """Bring every notebook's exercise cells up to date (or only report, with check); return the problems."""
    problems = []
    for lesson in lessons():
        exercises = exercises_for(lesson)
        if not exercises:
            continue  # a lesson with predictions only
        for path, kind in zip(notebook_pair(lesson), ("starting_code", "solution_code"), strict=True):
            notebook = nbformat.read(path, as_version=4)
            changed = False
            for exercise in exercises:
                cell = defining_cell(notebook, exercise.function)
                code = getattr(exercise, kind)
                if cell is None:
                    problems.append(f"{path.name} has no code cell defining {exercise.function}: add one.")
                elif cell.source != code:
                    problems.append(f"{path.name}: the cell defining {exercise.function} is not its {kind}.")
                    cell.source, changed = code, True
            if changed and not check:
                nbformat.write(notebook, path)
    return problems


def main() -> None:
    """Write the exercise cells, or with --check report what is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is out of date")
    args = parser.parse_args()
    problems = write(args.check)
    for problem in problems:
        print(problem)
    if args.check and problems:
        sys.exit("Run `python scripts/write_exercises.py`, then `make notebooks`.")


if __name__ == "__main__":
    main()
