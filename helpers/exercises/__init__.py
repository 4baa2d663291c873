"""Self-checking exercises: `q1, q2 = exercises_for("03", model, tokenizer)`, then `q1.check(answer)`, `q1.hint(1)`
(a nudge), `q1.hint(2)` (the API to use), `q1.solution()`; and predict-then-run questions,
`p1, = predictions_for("03", model, tokenizer)`, then `p1.check(prediction)`.

A lesson's exercises are a module of this package, `lesson_NN.py` (each exercise's check and hints, each prediction's
question and experiment), and each exercise's code is a pair of files, `data/exercises/NN/start/FUNCTION.py` and
`.../solution/FUNCTION.py`, which `scripts/write_exercises.py` writes into the lesson and solution notebooks. A check runs the learner's function in a
thread with a time limit, on several inputs and on whatever model the notebook loaded, and verifies behaviour (never
one model's strings). It answers in one line: "Correct: ..." with why, "Not yet: ..." with the symptom the learner can
observe (never the fix: that is what the hints are for), or "Not attempted yet" for the unchanged starting code. It
never raises on a malformed answer: an exception, a loop or a wrong return type is reported like any other mistake.
Everything a check, a hint or a prediction says is a template of helpers.language, said in the notebook's language
(`exercises_for("03", model, tokenizer, language="ar")`).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import importlib
import inspect
import linecache
import numbers
import pkgutil
import threading
import time
import types
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import torch

from helpers import DATA_DIR
from helpers.diagnostics import caught_warnings
from helpers.generation import one_line
from helpers.language import Message, check_language, displayed, html_block, message, say

# The learner's code gets a budget of computing time (the process's CPU time, which a busy machine does not inflate) that
# scales with the machine and the model: REFERENCE_CALLS times what generating 8 tokens takes here, and at least
# TIME_LIMIT seconds. Only the learner's code is timed, never the check's own reference work. A call that waits rather
# than computes (sleeps, or waits on a server) is stopped after WALL_FACTOR times the budget in wall-clock seconds.
TIME_LIMIT = 30.0
REFERENCE_CALLS = 100
WALL_FACTOR = 10.0
STOP_GRACE = 2.0  # seconds for which a timed-out answer's thread is told to stop, again and again
POLL = 0.05  # seconds between looks at a running answer's clock
PROMPTS = ["The capital of France is", "Once upon a time"]
_reference_seconds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class Fail(Exception):
    """A check's verdict on a wrong answer: a template and its values, the one line the learner reads."""

    def __init__(self, template: str, /, **values: Any) -> None:
        self.message = message(template, **values)
        super().__init__(self.message.say())


class OneLine(Message):
    """A message said on one line (a verdict's symptom, whose values the learner's code may fill with line breaks): each
    break and the spaces around it become one space; every other character, a value's spaces included, stays."""

    def say(self, language: str = "en") -> str:
        return " ".join(line.strip() for line in super().say(language).splitlines())


class TimeLimit(BaseException):
    """Raised inside an answer's thread when its time is up: a BaseException, so `except Exception` cannot swallow it."""


@dataclasses.dataclass(frozen=True)
class Feedback:
    """One line for the notebook (its repr), and whether the check passed (None for hints and solutions)."""

    text: str
    passed: bool | None = None
    language: str = "en"  # the direction it is shown in: right-to-left for Arabic
    message: Message | None = dataclasses.field(default=None, repr=False, compare=False)  # what `text` says, in any language

    def __repr__(self) -> str:
        return displayed(self.language, self.text)

    def _repr_html_(self) -> str | None:
        return html_block(self.language, self.text)

    def __bool__(self) -> bool:
        return bool(self.passed)


def reference_seconds(model, tokenizer) -> float:
    """The computing time (CPU seconds) this machine takes to generate 8 greedy tokens with the model: the least of
    three runs after a warm-up, measured once per model."""
    if model not in _reference_seconds:
        inputs = tokenizer(PROMPTS[0], return_tensors="pt").to(model.device)
        times = []
        for _ in range(4):
            start = time.process_time()
            with torch.no_grad():
                model.generate(**inputs, do_sample=False, min_new_tokens=8, max_new_tokens=8,
                               pad_token_id=tokenizer.eos_token_id)
            times.append(time.process_time() - start)
        _reference_seconds[model] = min(times[1:])
    return _reference_seconds[model]


def time_limit_for(model, tokenizer) -> float:
    """The computing time a check gives the learner's code: TIME_LIMIT seconds, or REFERENCE_CALLS times the reference
    call on this machine and model where that is more (a slower machine or a larger model)."""
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "generate") or tokenizer is None:
        return TIME_LIMIT
    return max(TIME_LIMIT, REFERENCE_CALLS * reference_seconds(model, tokenizer))


class Runner:
    """Calls the learner's function in a daemon thread, with one budget of computing time for all the calls of a check:
    only the time spent in the learner's code counts, never the check's own work between the calls."""

    def __init__(self, function: Callable, name: str, time_limit: float) -> None:
        self.function, self.name, self.time_limit = function, name, time_limit
        self.used = self.waited = 0.0  # CPU seconds and wall-clock seconds spent in the learner's code so far
        self.timed_out = False  # whether the learner's code ran past the budget (its thread may still be running)

    def __call__(self, *args: Any) -> Any:
        """The function's return value; Fail with a one-line report if it raises or runs past the budget."""
        return self.timed(lambda: self.function(*args))

    def timed(self, action: Callable[[], Any]) -> Any:
        """Run code that runs the learner's code (their function, or a `generate` given their decoding function or
        stopping criterion) on their budget, reported under their name."""
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["value"] = action()
            except BaseException as error:  # noqa: BLE001 (the learner's code may raise anything, SystemExit included)
                box["error"] = error

        thread = threading.Thread(target=target, daemon=True)
        cpu, wall = time.process_time(), time.monotonic()
        thread.start()
        try:
            while thread.is_alive() and not self.over(time.process_time() - cpu, time.monotonic() - wall):
                thread.join(POLL)
        finally:
            self.used, self.waited = self.used + time.process_time() - cpu, self.waited + time.monotonic() - wall
            timed_out = self.timed_out = thread.is_alive()
            if timed_out:
                stop_thread(thread)
        if timed_out:
            if thread.is_alive():
                raise Fail("{name} did not finish within this check's limit ({seconds:.3g} s of computing on this "
                           "machine) and is still running in the background, inside a call that cannot be interrupted: "
                           "restart the kernel to stop it.", name=self.name, seconds=self.time_limit)
            raise Fail("{name} did not finish within this check's limit ({seconds:.3g} s of computing on this machine): "
                       "does it loop forever? (If the model is just slow, pass a larger limit: check(..., "
                       "time_limit={more:.3g}).)", name=self.name, seconds=self.time_limit, more=5 * self.time_limit)
        if "error" in box:
            error = box["error"]
            raise Fail("{name} raised {error}: {text}", name=self.name, error=type(error).__name__,
                       text=first_sentence(one_line(error, 120)))
        return box["value"]

    def over(self, cpu: float, wall: float) -> bool:
        """Whether the learner's code, with this much more CPU and wall-clock time, has run past the budget."""
        return self.used + cpu > self.time_limit or self.waited + wall > WALL_FACTOR * self.time_limit


def stop_thread(thread: threading.Thread, grace: float = STOP_GRACE) -> None:
    """Raise TimeLimit inside a running thread at its next Python instruction, again until it ends (an `except` in the
    learner's loop may catch one) or `grace` seconds pass."""
    give_up = time.monotonic() + grace
    while thread.is_alive() and time.monotonic() < give_up:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(TimeLimit))
        thread.join(0.05)


def sentence(text: str) -> str:
    """The text ending with a full stop (or other final punctuation)."""
    return text if text.endswith((".", "…", "!", "?")) else text + "."


def first_sentence(text: str) -> str:
    """An error message's first sentence: what went wrong, without the library's suggested fix that may follow."""
    end = text.find(". ")
    return sentence(text if end < 0 else text[: end + 1])


def kind_of(value: Any) -> Message:
    """What a value is, for a wrong-type report: 'None', 'a str', 'a 3-D tensor'."""
    if value is None:
        return message("None (is a `return` missing?)")
    if isinstance(value, torch.Tensor):
        return message("a {dims}-D tensor", dims=value.dim())
    name = type(value).__name__
    return message("an {type}" if name[0].lower() in "aeiou" else "a {type}", type=name)


def token_ids(value: Any, name: str) -> list[int]:
    """A returned sequence of token ids as a list of ints: a 1-D tensor, a one-row 2-D tensor, or a list of ints."""
    if isinstance(value, Mapping) and "input_ids" in value:
        value = value["input_ids"]
    if isinstance(value, torch.Tensor) and value.dim() == 2 and value.shape[0] == 1:
        value = value[0]
    if isinstance(value, torch.Tensor) and value.dim() == 1 and not value.is_floating_point():
        return value.tolist()
    if not isinstance(value, torch.Tensor) and getattr(value, "ndim", None) == 1 and hasattr(value, "tolist"):
        value = value.tolist()  # a numpy array
    if isinstance(value, Sequence) and not isinstance(value, str):
        try:
            return [token_id(i, name) for i in value]  # ints, or one-element tensors such as argmax()
        except Fail:
            pass
    raise Fail("{name} returned {kind}; it should return token ids (a 1-D tensor or a list of ints).", name=name,
               kind=kind_of(value))


def token_id(value: Any, name: str) -> int:
    """A returned single token id as an int: an int (numpy's included), or an integer tensor with one element."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        return int(value.item())
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise Fail("{name} returned {kind}; it should return one token id (an int, e.g. tensor.item()).", name=name,
               kind=kind_of(value))


def text(value: Any, name: str, what: Message | None = None) -> str:
    """A returned string, or Fail saying what came instead (and, if given, what the string should be)."""
    if isinstance(value, str):
        return value
    if what is None:
        raise Fail("{name} returned {kind}; it should return a str.", name=name, kind=kind_of(value))
    raise Fail("{name} returned {kind}; it should return a str ({what}).", name=name, kind=kind_of(value), what=what)


def new_token_log_probs(model, ids: torch.Tensor, prompt_length: int) -> torch.Tensor:
    """The log-probability the model gives each token of a one-row sequence after its prompt, from one forward pass."""
    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, prompt_length - 1:-1].float()
    return logits.log_softmax(-1).gather(-1, ids[0, prompt_length:, None])[:, 0]


@contextlib.contextmanager
def forward_passes(model) -> Iterator[list[tuple[int, ...]]]:
    """The shape (rows, positions) of the input of every forward pass the model runs inside the block: how many steps a
    generation really took, and whether its prompts ran as one batch."""
    shapes: list[tuple[int, ...]] = []

    def record(module, args, kwargs) -> None:
        ids = kwargs.get("input_ids", args[0] if args else None)
        if ids is None:
            ids = kwargs.get("inputs_embeds")
        shapes.append(tuple(ids.shape[:2]) if isinstance(ids, torch.Tensor) else ())

    handle = model.register_forward_pre_hook(record, with_kwargs=True)
    try:
        yield shapes
    finally:
        handle.remove()


def batched_passes(passes: list[tuple[int, ...]], count: int, what: Message) -> list[tuple[int, ...]]:
    """The forward passes that ran all `count` inputs (prompts, conversations) as one batch; Fail if none did."""
    together = [shape for shape in passes if shape and shape[0] == count]
    if not together:
        raise Fail("the model never ran the {count} {what} together: its forward passes took at most {rows} at a time.",
                   count=count, what=what, rows=max((shape[0] for shape in passes if shape), default=0))
    return together


def shown(tokenizer, ids: list[int] | int) -> str:
    """Token ids as the text they decode to, quoted."""
    return repr(tokenizer.decode(ids))


def exercise_code(lesson: str, kind: str, function: str) -> str:
    """An exercise's starting code (kind "start") or solution (kind "solution"), from data/exercises/."""
    return (DATA_DIR / "exercises" / lesson / kind / f"{function}.py").read_text().strip("\n")


STARTING_CODE = "<starting code>"  # the file name the starting code is compiled under, to tell its definitions apart


def _functions(value: Any) -> list[types.FunctionType]:
    """A function, or the methods of a class; nothing for anything else."""
    if inspect.isfunction(value):
        return [value]
    if inspect.isclass(value):
        return [member for member in vars(value).values() if inspect.isfunction(member)]
    return []


def _same_code(mine: Any, theirs: Any) -> bool:
    """Whether two functions or classes have the same source (what a notebook cell shows), or, where a source cannot be
    read, the same compiled code. Notebook kernels compile cells with their own flags, so bytecode alone may differ."""
    pairs = list(zip(_functions(mine), _functions(theirs), strict=False))
    if len(pairs) != len(_functions(mine)) or len(pairs) != len(_functions(theirs)):
        return False
    try:
        return all(inspect.getsource(a) == inspect.getsource(b) for a, b in pairs)
    except (OSError, TypeError):
        return all(a.__code__ == b.__code__ for a, b in pairs)


class SaysFeedback:
    """What exercises and predictions share: a verdict or a hint said in their `language`."""

    language: str

    def feedback(self, passed: bool | None, template: str | Message, /, **values: Any) -> Feedback:
        """A message in the learner's language, as the notebook shows it."""
        said = template if isinstance(template, Message) else message(template, **values)
        return Feedback(said.say(self.language), passed, self.language, said)


@dataclasses.dataclass(frozen=True)
class Exercise(SaysFeedback):
    """One exercise: the learner fixes its starting code, then `check` runs the function that code defines."""

    function: str
    checker: Callable[[Runner, Any, Any], str | Message]  # why a correct answer is correct
    hints: tuple[str, ...]  # templates, from a nudge towards what to look at, to the API that fixes it
    fix: str  # the solution's key code, which no check's message may contain (tests/test_exercises.py)
    lesson: str = ""
    model: Any = None
    tokenizer: Any = None
    language: str = "en"  # what the feedback and hints are said in

    @property
    def starting_code(self) -> str:
        """The runnable, wrong code the learner starts from."""
        return exercise_code(self.lesson, "start", self.function)

    @property
    def solution_code(self) -> str:
        """One correct answer."""
        return exercise_code(self.lesson, "solution", self.function)

    def check(self, answer: Any, time_limit: float | None = None) -> Feedback:
        """Run the learner's function and say, in one line, "Correct: why", "Not yet: what goes wrong", or that the
        starting code is unchanged. time_limit: seconds of computing for the learner's code (default: time_limit_for)."""
        if callable(answer) and self.unchanged(answer):
            return self.feedback(False, "Not attempted yet: {function} is still the starting code. Change it, run its "
                                 "cell, then run this check again.", function=self.function)
        return self.verdict(answer, time_limit)

    def verdict(self, answer: Any, time_limit: float | None = None) -> Feedback:
        """The check's verdict on any answer, the unchanged starting code included."""
        if not callable(answer):
            return self.feedback(False, "Not yet: pass the function itself, check({function}); this is {kind}.",
                                 function=self.function, kind=kind_of(answer))
        name = getattr(answer, "__name__", self.function)
        if time_limit is None:
            time_limit = time_limit_for(self.model, self.tokenizer)
        try:
            with caught_warnings():  # the learner's mistakes may warn; the one line below says what matters
                why = self.checker(Runner(answer, name, time_limit), self.model, self.tokenizer)
        except Fail as failure:
            return self.feedback(False, "Not yet: {symptom}", symptom=OneLine(failure.message.template, failure.message.values))
        except Exception as error:  # noqa: BLE001 (an answer odd enough to break the check is still only reported)
            return self.feedback(False, "Not yet: your answer broke the check ({error}: {text})",
                                 error=type(error).__name__, text=sentence(one_line(error, 120)))
        return self.feedback(True, "Correct: {why}", why=why if isinstance(why, Message) else message(why))

    def unchanged(self, answer: Callable) -> bool:
        """Whether the function, and every function and class the starting code defines beside it, is the starting code
        as given: the same compiled code, whatever file defined it."""
        start: dict[str, Any] = {}
        source = self.starting_code + "\n"
        linecache.cache[STARTING_CODE] = (len(source), None, source.splitlines(keepends=True), STARTING_CODE)
        exec(compile(source, STARTING_CODE, "exec", dont_inherit=True), start)
        theirs = {**getattr(answer, "__globals__", {}), self.function: answer}
        defined = [name for name, value in start.items()
                   if any(f.__code__.co_filename == STARTING_CODE for f in _functions(value))]
        return all(_same_code(start[name], theirs.get(name)) for name in defined)

    def hint(self, level: int = 1) -> Feedback:
        """Hint 1 nudges towards what to look at; the last names the API that fixes it."""
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(self.hints):
            return self.feedback(None, "Hints go from 1 to {last}: hint(1) nudges, hint({last}) names the API to use; "
                                 "this was {level!r}.", last=len(self.hints), level=level)
        return self.feedback(None, "Hint {level}: {hint}", level=level, hint=message(self.hints[level - 1]))

    def solution(self) -> Feedback:
        """One correct answer, as code to read or paste."""
        return Feedback(self.solution_code)


@dataclasses.dataclass(frozen=True)
class Prediction(SaysFeedback):
    """A predict-then-run question: the learner writes down an answer first, then `check` runs the experiment, compares
    and explains. Its repr is the question."""

    question: str | Message  # a template, or a message where it shows a value
    experiment: Callable[[Any, Any], tuple[Any, str | Message]]  # (model, tokenizer) -> (what happened, why)
    model: Any = None
    tokenizer: Any = None
    language: str = "en"  # what the question and the verdict are said in

    def __repr__(self) -> str:
        return displayed(self.language, say(self.language, self.question))

    def _repr_html_(self) -> str | None:
        return html_block(self.language, say(self.language, self.question))

    def check(self, prediction: Any) -> Feedback:
        """Run the experiment and say whether it went as predicted, and why it went the way it did."""
        if prediction is Ellipsis:
            return self.feedback(False, "Not attempted yet: write your prediction in place of the ..., then run this "
                                 "cell again.")
        with caught_warnings():
            outcome, why = self.experiment(self.model, self.tokenizer)
        why = why if isinstance(why, Message) else message(why)
        if outcome is None:
            return self.feedback(None, "Nothing to compare with this model: {why}", why=why)
        if type(prediction) is not type(outcome):
            return self.feedback(False, "Not yet: answer with a value like {outcome!r}; this is {kind}.",
                                 outcome=outcome, kind=kind_of(prediction))
        if prediction == outcome:
            return self.feedback(True, "As you predicted: {outcome!r}. {why}", outcome=outcome, why=why)
        return self.feedback(False, "Not what happened: you predicted {prediction!r}, the run gave {outcome!r}. {why}",
                             prediction=prediction, outcome=outcome, why=why)


def lessons() -> list[str]:
    """The lessons that have exercises or predictions ("01", "02", ...): one module lesson_NN.py each."""
    return sorted(m.name.removeprefix("lesson_") for m in pkgutil.iter_modules(__path__) if m.name.startswith("lesson_"))


def _lesson(lesson: str) -> Any:
    """A lesson's module, or a ValueError that names the lessons there are."""
    if lesson not in lessons():
        raise ValueError(f"no exercises for lesson {lesson!r}: choose one of {', '.join(lessons())}.")
    return importlib.import_module(f"{__name__}.lesson_{lesson}")


def exercises_for(lesson: str, model=None, tokenizer=None, language: str = "en") -> list[Exercise]:
    """The exercises of a lesson, checked against this model and tokenizer, speaking the language."""
    exercises = getattr(_lesson(lesson), "EXERCISES", [])
    return [dataclasses.replace(exercise, lesson=lesson, model=model, tokenizer=tokenizer,
                                language=check_language(language)) for exercise in exercises]


def predictions_for(lesson: str, model=None, tokenizer=None, language: str = "en") -> list[Prediction]:
    """The predict-then-run questions of a lesson, run on this model and tokenizer, speaking the language."""
    predictions = getattr(_lesson(lesson), "PREDICTIONS", [])
    return [dataclasses.replace(prediction, model=model, tokenizer=tokenizer, language=check_language(language))
            for prediction in predictions]
