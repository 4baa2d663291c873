"""scripts/new_exercise.py: one command writes a new exercise's files, cells, check stub and counts."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import new_exercise  # noqa: E402  (scripts/new_exercise.py)

LESSON = "10"  # a lesson with one exercise


@pytest.fixture
def repository(tmp_path) -> Path:
    """The files a new exercise of lesson 10 touches, copied into a scratch tree."""
    for part in ["README.md", "docs/workshop.md", f"helpers/exercises/lesson_{LESSON}.py", f"data/exercises/{LESSON}",
                 *[str(p.relative_to(ROOT)) for p in ROOT.glob(f"notebooks/{LESSON}_*.ipynb")],
                 *[str(p.relative_to(ROOT)) for p in ROOT.glob(f"notebooks/solutions/{LESSON}_*.ipynb")]]:
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, tmp_path / part)
    return tmp_path


def test_a_new_exercise_is_one_command(repository):
    changed = new_exercise.add(repository, LESSON, "tokens_per_second", "Tokens per second")
    exercises = repository / "data" / "exercises" / LESSON
    for path in ("start/tokens_per_second.py", "solution/tokens_per_second.py", "wrong/tokens_per_second/first_mistake.py"):
        assert (exercises / path) in changed and compile((exercises / path).read_text(), path, "exec")
    module = ast.parse((repository / "helpers" / "exercises" / f"lesson_{LESSON}.py").read_text())
    assert "check_tokens_per_second" in {node.name for node in module.body if isinstance(node, ast.FunctionDef)}
    table = next(node.value for node in module.body if isinstance(node, ast.Assign) and node.targets[0].id == "EXERCISES")
    assert [entry.args[0].value for entry in table.elts] == ["generation_speed", "tokens_per_second"]
    for notebook, code in [(next(repository.glob(f"notebooks/{LESSON}_*.ipynb")), "return None"),
                           (next(repository.glob("notebooks/solutions/*.ipynb")), "raise NotImplementedError")]:
        sources = [cell.source for cell in nbformat.read(notebook, as_version=4).cells]
        assert any("q1, q2 = exercises_for(" in source for source in sources), notebook
        added = sources.index("q2.check(tokens_per_second)")
        assert sources[added - 2].startswith("### 2 · Tokens per second") and code in sources[added - 1], notebook
        assert next(i for i, source in enumerate(sources) if source.endswith("q1.check(generation_speed)")) < added - 2
    rows = [row for row in (repository / "docs" / "workshop.md").read_text().splitlines() if row.startswith("| 1")]
    assert [row.split(" | ")[0] for row in rows if row.startswith(("| 10.", "| 11."))][:3] == ["| 10.1 `generation_speed`",
                                                                                           "| 10.2 `tokens_per_second`",
                                                                                           "| 11.1 `digits_only`"]
    count = int(new_exercise.COUNT.search((ROOT / "README.md").read_text()).group(2))
    assert f"ends with exercises, {count + 1} in all" in (repository / "README.md").read_text()


def test_a_taken_name_or_a_missing_lesson_is_refused_in_one_line_and_writes_nothing(repository):
    before = {path: path.read_bytes() for path in repository.rglob("*") if path.is_file()}
    for lesson, function in [(LESSON, "generation_speed"), ("99", "anything"), (LESSON, "not a name")]:
        result = subprocess.run([sys.executable, str(ROOT / "scripts" / "new_exercise.py"), lesson, function, "T",
                                 "--root", str(repository)], capture_output=True, text=True)
        assert result.returncode == 1 and len(result.stderr.splitlines()) == 1, result.stderr
    assert {path: path.read_bytes() for path in repository.rglob("*") if path.is_file()} == before
