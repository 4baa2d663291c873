"""Add an exercise to a lesson: `python scripts/new_exercise.py NN FUNCTION "Title"` (`make new-exercise`).

Writes everything the exercise needs as placeholders marked TODO, so that `make check` then names what is left:
- `data/exercises/NN/start/FUNCTION.py`, `.../solution/FUNCTION.py` and `.../wrong/FUNCTION/first_mistake.py`;
- a check stub and an `Exercise` entry at the end of `EXERCISES` in `helpers/exercises/lesson_NN.py`;
- in the lesson notebook and its solution notebook, after the last exercise: a heading, the function's cell (its code
  from the files above) and its check cell, and one more name in the `exercises_for` line;
- a row in docs/workshop.md's table of exercises, and the README's count of exercises.
Nothing is written when the lesson does not exist or already has an exercise of that name.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
START = '''def {function}(model, tokenizer, prompt):
    """TODO: what {function} returns, in one line."""
    return None
'''
SOLUTION = '''def {function}(model, tokenizer, prompt):
    """TODO: what {function} returns, in one line."""
    raise NotImplementedError("TODO: one right answer")
'''
WRONG = '''# TODO: the mistake a learner may well make here (then add more wrong answers beside this one).
''' + START
CHECK = '''

def check_{function}(call: Runner, model, tokenizer) -> Message:
    """TODO: what the check measures, the way the lesson's claim needs it."""
    raise Fail("TODO: the symptom a learner can observe in {{name}}'s result.", name=call.name)
'''
ENTRY = '''    Exercise("{function}", check_{function}, fix="TODO", hints=(
        "TODO: where to look.",
        "TODO: the API to use.")),
'''
EXERCISES_FOR = re.compile(r"^((?:q\d+, )*q(\d+)),? = exercises_for\(", re.MULTILINE)
ROW = re.compile(r"\| (\d\d)\.\d+ `")  # a row of the workshop guide's table of exercises
COUNT = re.compile(r"(Every notebook ends with exercises, )(\d+)( in all)")


def fail(text: str) -> None:
    """Stop with a one-line error that names the fix."""
    sys.exit(f"error: {text}")


def exercise_cells(notebook: nbformat.NotebookNode, number: int, title: str, function: str, code: str) -> None:
    """Unpack one more exercise, and add its heading, code and check cells after the last check."""
    setup = next(cell for cell in notebook.cells if EXERCISES_FOR.search(cell.source))
    setup.source = EXERCISES_FOR.sub(lambda m: f"{m.group(1)}, q{number} = exercises_for(", setup.source)
    last = max(i for i, cell in enumerate(notebook.cells) if re.search(r"^q\d+\.check\(", cell.source, re.MULTILINE))
    notebook.cells[last + 1:last + 1] = [
        nbformat.v4.new_markdown_cell(f"### {number} · {title}\n\n`{function}` should … (TODO: the task, and what the "
                                      "starting code gets wrong, as a symptom, never the fix)."),
        nbformat.v4.new_code_cell(code.rstrip("\n")),
        nbformat.v4.new_code_cell(f"q{number}.check({function})"),
    ]


def add(root: Path, lesson: str, function: str, title: str) -> list[Path]:
    """Write the exercise's placeholders into the repository at root; return the files changed."""
    module = root / "helpers" / "exercises" / f"lesson_{lesson}.py"
    lesson_notebook = next((root / "notebooks").glob(f"{lesson}_*.ipynb"), None)
    if lesson_notebook is None or not module.is_file():
        fail(f"no lesson {lesson}: a lesson needs notebooks/{lesson}_name.ipynb and helpers/exercises/lesson_{lesson}.py.")
    if not function.isidentifier():
        fail(f"{function!r} is not a Python name: name the exercise after the function the learner writes.")
    source = module.read_text()
    if f'Exercise("{function}"' in source:
        fail(f"lesson {lesson} already has an exercise {function}: choose another name.")
    solutions = root / "notebooks" / "solutions" / f"{lesson_notebook.stem}_solutions.ipynb"
    if not solutions.is_file():
        fail(f"lesson {lesson} has no {solutions.relative_to(root)}: copy another lesson's solution notebook first.")
    notebooks = {lesson_notebook: START, solutions: SOLUTION}
    read = {path: nbformat.read(path, as_version=4) for path in notebooks}
    number = int(EXERCISES_FOR.search(next(c.source for c in read[lesson_notebook].cells
                                          if EXERCISES_FOR.search(c.source))).group(2)) + 1
    exercises = root / "data" / "exercises" / lesson
    files = {exercises / "start" / f"{function}.py": START, exercises / "solution" / f"{function}.py": SOLUTION,
             exercises / "wrong" / function / "first_mistake.py": WRONG}
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(function=function))
    table = source.index("EXERCISES = [")
    closing = source.index("\n]\n", table) + 1
    module.write_text(source[:table].rstrip("\n") + CHECK.format(function=function) + "\n\n" + source[table:closing]
                      + ENTRY.format(function=function) + source[closing:])
    for path, template in notebooks.items():
        exercise_cells(read[path], number, title, function, template.format(function=function))
        nbformat.write(read[path], path)
    workshop, readme = root / "docs" / "workshop.md", root / "README.md"
    rows = workshop.read_text().splitlines(keepends=True)
    listed = [(i, match.group(1)) for i, row in enumerate(rows) if (match := ROW.match(row))]
    after = max((i for i, listed_lesson in listed if listed_lesson <= lesson), default=listed[0][0] - 1)
    rows.insert(after + 1, f"| {lesson}.{number} `{function}` | TODO: the task | TODO: what it teaches |\n")
    workshop.write_text("".join(rows))
    readme.write_text(COUNT.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + 1}{m.group(3)}", readme.read_text()))
    return [*files, module, *notebooks, workshop, readme]


def main() -> None:
    """Add the exercise, list what changed and what to do next."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", help="the lesson's two digits, e.g. 06")
    parser.add_argument("function", help="the function the learner writes, e.g. twelve_new_tokens")
    parser.add_argument("title", help="the exercise's heading, e.g. 'Exactly twelve new tokens'")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this one)")
    args = parser.parse_args()
    for path in add(args.root, args.lesson, args.function, args.title):
        print(f"wrote {path.relative_to(args.root)}")
    print("Next: replace every TODO (the code, the check, its hints, the notebook's text and the lesson's count of "
          "exercises), then `make check` names what is missing, `make notebooks` runs the cells and `make translate` "
          "lists the Arabic to write.")


if __name__ == "__main__":
    main()
