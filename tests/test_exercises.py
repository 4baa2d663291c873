"""Exercises: every check rejects its starting code and accepts its solution, the notebooks hold exactly that code
(as scripts/write_exercises.py writes it), and a malformed answer (raises, loops, wrong type, swallows the time limit)
is reported in one line instead of crashing."""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import nbformat
import openai
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria, StoppingCriteriaList

from helpers import exercises
from helpers.exercises import Exercise, Fail, exercises_for, lessons, predictions_for
from helpers.language import Message, catalog, message
from helpers.server import start_server

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = [(lesson, number) for lesson in lessons() for number in range(len(exercises_for(lesson)))]


def bound(lesson: str, number: int, default_model) -> Exercise:
    """One exercise, checked against the default model."""
    return exercises_for(lesson, *default_model)[number]


def defined(code: str, name: str):
    """The function that a cell's code defines, run in a namespace of its own (the code must import what it uses)."""
    namespace: dict = {}
    exec(compile(code, f"<{name}>", "exec", dont_inherit=True), namespace)  # as a notebook cell: no __future__ flags
    return namespace[name]


def code_cells(notebook: Path) -> list[nbformat.NotebookNode]:
    return [cell for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]


def stored_text(cell: nbformat.NotebookNode) -> str:
    return "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in cell.outputs)


@pytest.mark.parametrize("lesson, number", EXERCISES, ids=lambda v: str(v))
def test_check_rejects_the_starting_code(lesson, number, default_model):
    """The unchanged start is 'not attempted'; its verdict states a symptom without the fix, in English and Arabic."""
    exercise = bound(lesson, number, default_model)
    start = defined(exercise.starting_code, exercise.function)
    assert exercise.check(start).text.startswith("Not attempted yet: ") and exercise.check(start).passed is False
    torch.manual_seed(0)  # the unseeded starting code of the sampling exercise draws from here
    verdict = exercise.verdict(start)
    assert verdict.passed is False and verdict.text.startswith("Not yet: ") and "\n" not in verdict.text, verdict.text
    assert "broke the check" not in verdict.text, "the starting code should fail the lesson's way, not the checker's"
    assert exercise.fix not in verdict.text, f"the check names the fix: {verdict.text}"
    in_arabic = verdict.message.say("ar")  # the same symptom, as the Arabic edition's check says it
    assert in_arabic.startswith(catalog("ar")["Not yet: {symptom}"].split("{")[0]) and in_arabic != verdict.text
    assert exercise.fix not in in_arabic and "\n" not in in_arabic, in_arabic


def solution_notebook(lesson: str) -> str:
    """The solution notebook of a lesson, relative to the repository (one that may not exist yet for a new lesson)."""
    notebook = next((ROOT / "notebooks").glob(f"{lesson}_*.ipynb"), None)
    return f"notebooks/solutions/{notebook.stem if notebook else lesson}_solutions.ipynb"


@pytest.mark.parametrize("lesson, number", [pytest.param(*exercise, marks=pytest.mark.covered_by_notebook(
    solution_notebook(exercise[0]))) for exercise in EXERCISES], ids=lambda v: str(v))
def test_check_accepts_the_solution(lesson, number, default_model):
    """The solution is correct (as its solution notebook stores, test_notebooks_store_each_checks_verdict)."""
    exercise = bound(lesson, number, default_model)
    solved = exercise.check(defined(exercise.solution_code, exercise.function))
    assert solved.passed is True and solved.text.startswith("Correct: ") and "\n" not in solved.text, solved.text


def other_answers(kind: str) -> list[Path]:
    """The answers beside each exercise's solution: data/exercises/NN/{wrong,right}/FUNCTION/*.py, each opening with a
    comment that says what it does."""
    return sorted((ROOT / "data" / "exercises").glob(f"*/{kind}/*/*.py"))


def answer_exercise(path: Path, default_model) -> Exercise:
    """The exercise an answer file answers: its lesson and function are its folders."""
    lesson, function = path.parts[-4], path.parts[-2]
    return next(e for e in exercises_for(lesson, *default_model) if e.function == function)


@pytest.mark.parametrize("path", other_answers("wrong"), ids=lambda p: "/".join(p.parts[-4:]))
def test_check_rejects_each_plausible_wrong_answer(path, default_model):
    """A wrong answer a learner may well write is told 'Not yet' with a symptom (not by breaking the check), and the
    verdict does not name the fix."""
    exercise = answer_exercise(path, default_model)
    torch.manual_seed(0)
    verdict = exercise.check(defined(path.read_text(), exercise.function))
    assert verdict.passed is False and verdict.text.startswith("Not yet: ") and "\n" not in verdict.text, verdict.text
    assert "broke the check" not in verdict.text and exercise.fix not in verdict.text, verdict.text


@pytest.mark.parametrize("path", other_answers("right"), ids=lambda p: "/".join(p.parts[-4:]))
def test_check_accepts_each_other_right_answer(path, default_model):
    """An answer that meets the task another way than the solution is told 'Correct'."""
    exercise = answer_exercise(path, default_model)
    verdict = exercise.check(defined(path.read_text(), exercise.function))
    assert verdict.passed is True and verdict.text.startswith("Correct: "), verdict.text


def test_the_readme_counts_and_the_workshop_guide_lists_every_exercise():
    """The README's count and the workshop guide's table (one row per exercise, in order) follow the exercises."""
    listed = re.findall(r"^\| (\d\d\.\d+) `(\w+)`", (ROOT / "docs" / "workshop.md").read_text(), re.MULTILINE)
    assert listed == [(f"{lesson}.{number + 1}", exercises_for(lesson)[number].function) for lesson, number in EXERCISES]
    assert f"Every notebook ends with exercises, {len(EXERCISES)} in all" in (ROOT / "README.md").read_text()


def test_every_exercise_has_a_plausible_wrong_answer_beside_its_starting_code():
    """Each exercise's wrong answers are files whose first line says the mistake; every answer file is of a real
    exercise and defines its function."""
    exercises = {(lesson, e.function) for lesson in lessons() for e in exercises_for(lesson)}
    answers = other_answers("wrong") + other_answers("right")
    assert {(p.parts[-4], p.parts[-2]) for p in answers} <= exercises
    lacking = sorted(exercises - {(p.parts[-4], p.parts[-2]) for p in other_answers("wrong")})
    assert not lacking, f"no wrong answer in data/exercises/NN/wrong/FUNCTION/ for {lacking}"
    for path in answers:
        assert path.read_text().startswith("# "), f"{path}: open with a comment that says what this answer does"
        assert f"{path.parts[-2]}" in path.read_text(), path


def test_hints_go_from_a_nudge_to_the_api_and_refuse_other_levels():
    for lesson in lessons():
        for exercise in exercises_for(lesson):
            assert len(exercise.hints) >= 2 and exercise.fix not in exercise.hint(1).text, exercise.function
            assert [exercise.hint(level).text[:7] for level in (1, 2)] == ["Hint 1:", "Hint 2:"]
            for wrong in (99, 0, "x", True):
                assert exercise.hint(wrong).text.startswith(f"Hints go from 1 to {len(exercise.hints)}"), wrong


def test_a_changed_function_is_checked_not_called_unattempted(default_model):
    exercise = bound("03", 0, default_model)
    edited = defined(exercise.starting_code.replace("logits[0, 0]", "logits[0, 1]"), exercise.function)
    assert exercise.check(edited).text.startswith("Not yet: ")


def test_notebooks_hold_each_exercise_as_its_files_say():
    """scripts/write_exercises.py --check: every starting code and solution cell is its data/exercises/ file."""
    spec = importlib.util.spec_from_file_location("write_exercises", ROOT / "scripts" / "write_exercises.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.write(check=True) == []


def test_each_notebook_asks_for_its_own_lessons_exercises():
    """`exercises_for("NN", ...)` and `predictions_for("NN", ...)` in a notebook name the notebook's own number."""
    for notebook in sorted((ROOT / "notebooks").rglob("[0-9]*.ipynb")):
        asked = {m for cell in code_cells(notebook) for m in re.findall(r'(?:exercises|predictions)_for\("(\d+)"', cell.source)}
        assert asked <= {notebook.name[:2]}, f"{notebook.name} asks for lesson {sorted(asked)}"


@pytest.mark.parametrize("lesson", [lesson for lesson in lessons() if exercises_for(lesson)])
def test_notebooks_store_each_checks_verdict(lesson):
    """The lesson notebook shows each check rejecting the starting code; the solution notebook, accepting the answer."""
    lesson_notebook, solutions = next((ROOT / "notebooks").glob(f"{lesson}_*.ipynb")), ROOT / solution_notebook(lesson)
    for notebook, verdict in [(lesson_notebook, "Not attempted yet: "), (solutions, "Correct: ")]:
        cells = code_cells(notebook)
        code = [[line for line in cell.source.splitlines() if not line.startswith("#")] for cell in cells]
        for number, exercise in enumerate(exercises_for(lesson), start=1):
            check = f"q{number}.check({exercise.function})"
            assert [check] in code, f"{notebook.name} lacks the cell {check} (a comment above it may say how long it takes)"
            stored = stored_text(cells[code.index([check])])
            assert stored.startswith(verdict), f"{notebook.name}: {check} stored no {verdict!r}"
            assert notebook == solutions or exercise.fix not in stored, f"{notebook.name}: {check} shows the fix: {stored}"


def test_malformed_answers_are_reported_in_one_line(default_model):
    exercise = bound("03", 0, default_model)
    stop = threading.Event()

    def raises(model, tokenizer, prompt):
        return 1 / 0

    def loops(model, tokenizer, prompt):
        while not stop.is_set():  # busy, like `while True`, but the test can end it should the checker not
            pass

    def wrong_type(model, tokenizer, prompt):
        return "Paris"

    def no_return(model, tokenizer, prompt):
        tokenizer(prompt)

    threads = threading.active_count()
    reports = {
        "raises": exercise.check(raises),
        "loops": exercise.check(loops, time_limit=1),
        "wrong type": exercise.check(wrong_type),
        "no return": exercise.check(no_return),
        "not a function": exercise.check("next_token_id"),
    }
    try:
        for _ in range(50):  # the checker stops the looping thread itself
            if threading.active_count() == threads:
                break
            time.sleep(0.1)
        assert threading.active_count() == threads, "the looping answer's thread still runs after its check"
    finally:
        stop.set()
    for name, report in reports.items():
        assert report.passed is False and report.text.startswith("Not yet: ") and "\n" not in report.text, (name, report)
    assert reports["raises"].text == "Not yet: raises raised ZeroDivisionError: division by zero."
    assert "loops did not finish within this check's limit (1 s of computing" in reports["loops"].text
    assert "wrong_type returned a str; it should return one token id" in reports["wrong type"].text
    assert "no_return returned None (is a `return` missing?)" in reports["no return"].text
    assert "pass the function itself, check(next_token_id)" in reports["not a function"].text


def on_tiny_models(cases: list) -> list:
    """Test cases of lessons on a tiny model, marked slow where the lesson's checks start a server (make check skips
    them: a server takes seconds to start, the rest of such a test a fraction of one)."""
    def serves(lesson: str) -> bool:
        """Whether the lesson's checks start a server."""
        return "start_server" in vars(importlib.import_module(f"helpers.exercises.lesson_{lesson}"))
    return [pytest.param(*case, marks=[pytest.mark.slow] if serves(case[0]) else []) for case in cases]


@pytest.mark.parametrize("lesson, number", on_tiny_models(EXERCISES), ids=lambda v: str(v))
def test_solutions_pass_on_any_causal_lm(lesson, number, tiny_llama):
    """The checks compare with the model's own behaviour, never the default model's strings: a tiny random model passes."""
    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_llama), AutoTokenizer.from_pretrained(tiny_llama)
    exercise = exercises_for(lesson, model, tokenizer)[number]
    start = exercise.check(defined(exercise.starting_code, exercise.function))
    assert "broke the check" not in start.text, start.text  # the start may pass here: a random model need not show the pitfall
    solved = exercise.check(defined(exercise.solution_code, exercise.function))
    assert solved.passed, solved.text


def test_a_verdict_is_one_line_that_keeps_the_values_as_they_are():
    """A symptom's line breaks become spaces, in both languages; an empty or space-laden value is shown as it is."""
    def checker(call, model, tokenizer):
        raise Fail("you printed {got!r} where {want!r} is complete; {detail}", got="", want="a  b",
                   detail=message("it ended:\n{why}", why="two\n  lines"))

    verdict = Exercise("answer", checker, ("a nudge", "the API"), "never said").verdict(lambda: None)
    assert verdict.text == "Not yet: you printed '' where 'a  b' is complete; it ended: two lines", verdict.text
    assert "\n" not in verdict.message.say("ar") and "'a  b'" in verdict.message.say("ar")


def test_unknown_lesson_names_the_choices():
    with pytest.raises(ValueError, match=f"choose one of {', '.join(lessons())}"):
        exercises_for("99", None, None)


def test_every_lesson_module_has_the_code_files_of_its_exercises():
    """Each exercise's starting code and solution differ, the solution holds the fix, and `solution()` shows it."""
    for lesson in lessons():
        for exercise in exercises_for(lesson):
            assert exercise.starting_code and exercise.solution_code != exercise.starting_code, exercise.function
            assert exercise.fix in exercise.solution_code and exercise.fix not in exercise.starting_code, exercise.function
            assert exercise.solution().text == exercise.solution_code


def test_time_limit_survives_an_answer_that_catches_every_exception(default_model):
    """An answer that loops inside `try: ... except Exception: pass` is still stopped (TimeLimit is no Exception)."""
    exercise = bound("03", 0, default_model)
    stop = threading.Event()

    def stubborn(model, tokenizer, prompt):
        while not stop.is_set():
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - the learner's code under test
                pass

    threads = threading.active_count()
    try:
        report = exercise.check(stubborn, time_limit=1)
        for _ in range(50):
            if threading.active_count() == threads:
                break
            time.sleep(0.1)
        assert threading.active_count() == threads, "the answer's thread survived its time limit"
    finally:
        stop.set()
    assert report.passed is False and "did not finish within this check's limit (1 s" in report.text


@pytest.mark.slow  # every exercise's solution, twice, and a server
def test_solutions_leave_their_arguments_as_they_were_and_give_the_same_answer_twice(tiny_llama):
    """Each solution called twice on the same model and tokenizer: one without a pad token, as many are, or one with
    (for the solutions whose task assumes it), and both must stay as they were."""
    model = AutoModelForCausalLM.from_pretrained(tiny_llama)
    without, with_pad = AutoTokenizer.from_pretrained(tiny_llama), AutoTokenizer.from_pretrained(tiny_llama)
    with_pad.pad_token = with_pad.eos_token
    arguments = {"model": model, "prompt": "I am", "prompts": ["I am", "A list of colors: red"], "steps": 3, "seed": 1,
                 "messages": [{"role": "user", "content": "Hello!"}], "model_name": str(tiny_llama),
                 "questions": ["Hello! How are you today?", "Tell me a joke."], "ids": [5, 6, 7, 8],
                 "sample": "I am a cat. The cat sat on the mat.", "words": 10, "question": "Hello! How are you today?",
                 "scores": torch.tensor([2.0, 1.0, 1.0, -1.0]), "temperature": 0.7, "top_k": 2,
                 "config": model.config, "tokens": 7, "batch": 2, "dtype": torch.bfloat16, "bytes_per_token": 46080,
                 "memory": 10**9, "weights": 10**8, "guesses": [5, 6], "p": torch.tensor([0.5, 0.3, 0.2]),
                 "q": torch.tensor([0.2, 0.2, 0.6]), "token": 2, "values": torch.linspace(-1, 2, 32).numpy(),
                 "weight": torch.randn(4, 256, generator=torch.Generator().manual_seed(0)), "budget": 5.0,
                 "quantize": lambda weight, bits, group: weight.reshape(-1, group).mean(1, keepdim=True).expand(-1, group).reshape(weight.shape),
                 "reply": {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "add", "arguments": {"a": 1, "b": 2}}}]},
                 "functions": {"add": lambda a, b: a + b}, "text": "Add them.\n</think>\n\n3.", "answer": 3, "n": 4, "c": 1, "k": 2}
    servers = contextlib.ExitStack()  # a server for the exercises that take a client, started at the first one

    def client() -> openai.OpenAI:
        if "client" not in arguments:
            server = servers.enter_context(start_server(tiny_llama))
            arguments["client"] = openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0)
        return arguments["client"]

    def without_timings(answer):  # seconds measured by the answer differ from call to call
        return tuple(part for part in answer if not isinstance(part, float)) if isinstance(answer, tuple) else answer

    def seeded(call: dict, name: str):  # a generator is drawn from: each call gets its own, seeded alike
        return torch.Generator().manual_seed(0) if name == "generator" else call[name]

    def state(tokenizer) -> tuple:
        return (tokenizer.pad_token, tokenizer.padding_side, tokenizer.add_bos_token, len(tokenizer),
                model.generation_config.to_json_string(), sum(p.sum().item() for p in model.parameters()))

    with servers:  # stopped however the test ends
        for lesson in lessons():
            for exercise in exercises_for(lesson):
                solution = defined(exercise.solution_code, exercise.function)
                names = inspect.signature(solution).parameters
                for tokenizer in (without, with_pad):
                    before = state(tokenizer)
                    call = {**arguments, "tokenizer": tokenizer}
                    try:
                        prompt = tokenizer(arguments["prompt"], return_tensors="pt")
                        if "logits_processor" in names:  # a decoding strategy: generate calls it
                            answers = [model.generate(**prompt, custom_generate=solution, max_new_tokens=5) for _ in range(2)]
                        elif inspect.isclass(solution) and issubclass(solution, StoppingCriteria):  # generate calls it too
                            criteria = StoppingCriteriaList([solution(tokenizer, prompt["input_ids"].shape[1])])
                            answers = [model.generate(**prompt, stopping_criteria=criteria, max_new_tokens=5) for _ in range(2)]
                        else:
                            call |= {"client": client()} if "client" in names else {}
                            answers = [solution(*(seeded(call, name) for name in names)) for _ in range(2)]
                    except ValueError as error:  # this task assumes a pad token: the check hands it one
                        assert tokenizer is without and "pad" in str(error), error
                        continue
                    assert state(tokenizer) == before, f"{exercise.function} changed its arguments"
                    first, second = (a["input_ids"] if isinstance(a, Mapping) else without_timings(a) for a in answers)
                    if isinstance(first, torch.nn.Module):  # a loaded model: the same kind, with the same weights
                        assert type(first) is type(second) and str(first.state_dict()) == str(second.state_dict())
                    else:
                        assert (first == second).all() if isinstance(first, torch.Tensor) else first == second, exercise.function
                    break


@pytest.mark.parametrize("lesson", on_tiny_models([(lesson,) for lesson in lessons()]), ids=str)
def test_every_prediction_runs_its_experiment_on_any_causal_lm(lesson, tiny_llama):
    """Each predict-then-run question's experiment runs on a tiny random model and explains itself, whatever it finds."""
    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_llama), AutoTokenizer.from_pretrained(tiny_llama)
    for prediction in predictions_for(lesson, model, tokenizer):
        assert prediction.check(...).text.startswith("Not attempted yet: ")
        outcome, why = prediction.experiment(model, tokenizer)
        assert isinstance(why, str | Message) and str(why), prediction.question
        if outcome is not None:  # lesson 01's asks about a 4-bit model; this one is not
            assert prediction.check(outcome).passed is True and prediction.check(object()).passed is False


def busy(seconds: float) -> None:
    """Compute (not sleep) for this many seconds of the process's CPU time."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def quick_exercise(checker) -> Exercise:
    """An exercise of its own for the clock's tests: `checker(call, model, tokenizer)` says why an answer is right."""
    return Exercise("answer", checker, hints=("look", "use"), fix="fix")


def test_only_the_learners_code_is_timed():
    """A check's own reference work, however long, does not count against the learner's budget."""
    def checker(call, model, tokenizer):
        for _ in range(3):
            busy(0.4)  # the check's own work: 1.2 s in all, past the learner's 0.5 s
            call()
        return "fine."

    assert quick_exercise(checker).verdict(lambda: busy(0.05), time_limit=0.5).passed is True
    slow = quick_exercise(checker).verdict(lambda: busy(0.3), time_limit=0.5)  # 0.9 s of the learner's own
    assert "did not finish within this check's limit (0 s" not in slow.text
    assert slow.passed is False and "<lambda> did not finish within this check's limit" in slow.text, slow.text


def test_a_busy_machine_does_not_change_the_verdict():
    """The budget is computing time: other processes competing for the cores slow the learner's code down in wall-clock
    time, not in CPU time, so an answer that fits its budget on an idle machine fits it on a busy one."""
    def checker(call, model, tokenizer):
        call()
        return "fine."

    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        start = time.monotonic()
        verdict = quick_exercise(checker).verdict(lambda: busy(1.0), time_limit=1.5)
        waited = time.monotonic() - start
    finally:
        for hog in hogs:
            hog.kill()
    assert verdict.passed is True, verdict.text
    assert waited > 1.2, f"the machine was not busy: 1 s of computing took {waited:.1f} s"


def test_the_limit_scales_with_the_machine_and_the_model(tiny_llama):
    """A model whose generate takes longer here gets a longer budget: REFERENCE_CALLS times its reference call."""
    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_llama), AutoTokenizer.from_pretrained(tiny_llama)
    assert exercises.time_limit_for(model, tokenizer) == exercises.TIME_LIMIT  # a tiny model is quick
    slower = AutoModelForCausalLM.from_pretrained(tiny_llama)
    slower.model.layers[0].register_forward_hook(lambda *_: busy(0.1))  # as on a machine slower by 0.1 s a step
    limit = exercises.time_limit_for(slower, tokenizer)
    assert limit > exercises.TIME_LIMIT and limit >= exercises.REFERENCE_CALLS * 8 * 0.1, limit
    assert exercises.time_limit_for(None, None) == exercises.TIME_LIMIT  # exercises without a model


def test_an_answer_stuck_in_a_call_that_cannot_be_interrupted_is_reported_as_still_running():
    """time.sleep blocks in C, where the checker's exception cannot reach it: the report says it still runs."""
    def checker(call, model, tokenizer):
        call()
        return "fine."

    verdict = quick_exercise(checker).verdict(lambda: time.sleep(4), time_limit=0.1)  # stopped after 1 s of waiting
    assert verdict.passed is False and "is still running in the background" in verdict.text, verdict.text
