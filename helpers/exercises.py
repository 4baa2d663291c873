"""Self-checking exercises for lessons 02–06: `q1.check(answer)`, `q1.hint()` and `q1.solution()`.

Each exercise keeps its starting code and its solution here, the one source that the lesson notebooks (starting
cells), the solution notebooks and tests/test_exercises.py agree with. A check runs the learner's function in a
thread with a time limit, on several inputs and on whatever model the notebook loaded, and verifies behaviour
(never one model's strings). It answers in one line, "Correct: ..." or "Not yet: ...", and never raises on a
malformed answer: an exception, a loop or a wrong return type is reported like any other mistake.
"""

from __future__ import annotations

import copy
import ctypes
import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from helpers.diagnostics import caught_warnings
from helpers.pitfalls import MESSAGES, PADDING_PROMPTS

TIME_LIMIT = 60.0  # seconds for all of one check's calls of the learner's function
PROMPTS = ["The capital of France is", "Once upon a time"]
SENTENCE_PROMPTS = ["The capital of France is", "The best way to learn a new language is"]
CONVERSATION = [{"role": "user", "content": "What is the capital of France?"}]


class Fail(Exception):
    """A check's verdict on a wrong answer; its message is the one line the learner reads."""


@dataclasses.dataclass(frozen=True)
class Feedback:
    """One line for the notebook (its repr), and whether the check passed (None for hints and solutions)."""

    text: str
    passed: bool | None = None

    def __repr__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.passed)


class Runner:
    """Calls the learner's function in a daemon thread, sharing one time limit over all the calls of a check."""

    def __init__(self, function: Callable, name: str, hint: str, time_limit: float) -> None:
        self.function, self.name, self.hint, self.time_limit = function, name, hint, time_limit
        self.deadline = time.monotonic() + time_limit

    def __call__(self, *args: Any) -> Any:
        """The function's return value; Fail with a one-line report if it raises or runs past the time limit."""
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["value"] = self.function(*args)
            except BaseException as error:  # noqa: BLE001 (the learner's code may raise anything, SystemExit included)
                box["error"] = error

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        try:
            thread.join(max(self.deadline - time.monotonic(), 0.0))
        finally:
            timed_out = thread.is_alive()
            if timed_out:
                stop_thread(thread)
        if timed_out:
            raise Fail(f"{self.name} did not finish within {self.time_limit:g} s: does it loop forever? "
                       f"(If the model is just slow, pass time_limit=300 to check.)")
        if "error" in box:
            error = box["error"]
            raise Fail(f"{self.name} raised {type(error).__name__}: {one_line(error)} Hint: {self.hint}")
        return box["value"]


def stop_thread(thread: threading.Thread) -> None:
    """Raise TimeoutError inside a running thread (at its next Python instruction), so that a loop stops."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(TimeoutError))


def one_line(error: BaseException, limit: int = 120) -> str:
    """An exception's message as one sentence: on one line, at most `limit` characters, ending with a stop."""
    text = " ".join(str(error).split()) or "(no message)"
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return text if text.endswith((".", "…", "!", "?")) else text + "."


def describe(value: Any) -> str:
    """What a value is, for a wrong-type report: 'None', 'a str', 'a 3-D tensor'."""
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, torch.Tensor):
        return f"a {value.dim()}-D tensor"
    name = type(value).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def token_ids(value: Any, name: str) -> list[int]:
    """A returned sequence of token ids as a list of ints: a 1-D tensor, a one-row 2-D tensor, or a list of ints."""
    if isinstance(value, Mapping) and "input_ids" in value:
        value = value["input_ids"]
    if isinstance(value, torch.Tensor) and value.dim() == 2 and value.shape[0] == 1:
        value = value[0]
    if isinstance(value, torch.Tensor) and value.dim() == 1 and not value.is_floating_point():
        return value.tolist()
    if isinstance(value, Sequence) and not isinstance(value, str):
        try:
            return [token_id(i, name) for i in value]  # ints, or one-element tensors such as argmax()
        except Fail:
            pass
    raise Fail(f"{name} returned {describe(value)}; it should return token ids (a 1-D tensor or a list of ints).")


def token_id(value: Any, name: str) -> int:
    """A returned single token id as an int: an int, or an integer tensor with one element."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        return int(value.item())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise Fail(f"{name} returned {describe(value)}; it should return one token id (an int, e.g. tensor.item()).")


def text(value: Any, name: str, instead: str = "") -> str:
    """A returned string, or Fail saying what came instead."""
    if isinstance(value, str):
        return value
    raise Fail(f"{name} returned {describe(value)}; it should return a str{instead}.")


def greedy_ids(model, tokenizer, prompt: str, /, **settings: Any) -> tuple[list[int], list[int]]:
    """The prompt's ids and the new ids of a greedy generation: the reference a check compares with."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    pad = tokenizer.eos_token_id if tokenizer.pad_token_id is None else tokenizer.pad_token_id
    output = model.generate(**inputs, do_sample=False, pad_token_id=pad, **settings)
    prompt_ids = inputs["input_ids"][0].tolist()
    return prompt_ids, output[0, len(prompt_ids):].tolist()


def shown(tokenizer, ids: list[int] | int) -> str:
    """Token ids as the text they decode to, quoted."""
    return repr(tokenizer.decode(ids))


# Lesson 02 ---------------------------------------------------------------------------------------------------------

def check_next_token_id(call: Runner, model, tokenizer) -> str:
    """The answer returns the argmax of the last position's logits, for several prompts."""
    for prompt in PROMPTS:
        got = token_id(call(model, tokenizer, prompt), call.name)
        with torch.no_grad():
            logits = model(**tokenizer(prompt, return_tensors="pt").to(model.device)).logits[0]
        best = logits.argmax(-1).tolist()
        if got != best[-1]:
            if got in best[:-1]:
                raise Fail(f"for {prompt!r} you returned the best guess at position {best.index(got)} of "
                           f"{len(best)}; the token after the prompt is predicted at the last position, logits[0, -1].")
            raise Fail(f"after {prompt!r} the most likely token is {shown(tokenizer, best[-1])}, you returned "
                       f"{shown(tokenizer, got)}: take the argmax of the last position's scores.")
    return "the last position's scores predict the token after the prompt, and argmax picks the most likely one."


def check_greedy_tokens(call: Runner, model, tokenizer) -> str:
    """The answer's hand-written loop gives the same tokens as greedy generate."""
    for prompt in PROMPTS:
        got = token_ids(call(model, tokenizer, prompt, 6), call.name)
        _, want = greedy_ids(model, tokenizer, prompt, max_new_tokens=6)
        if got[: len(want)] != want or len(got) != 6:
            if len(set(got)) == 1 and len(set(want)) > 1:
                raise Fail(f"every step chose {shown(tokenizer, got[0])}: append each chosen token to ids, "
                           "so that the next forward pass sees it.")
            raise Fail(f"for {prompt!r} your loop gave {shown(tokenizer, got)}, greedy generate gives "
                       f"{shown(tokenizer, want)} ({len(got)} tokens, expected 6).")
    return "your loop picks the argmax, appends it and runs again: exactly what greedy generate does."


def check_only_new_tokens(call: Runner, model, tokenizer) -> str:
    """The answer returns generate's new tokens without the prompt."""
    for prompt in PROMPTS:
        got = token_ids(call(model, tokenizer, prompt), call.name)
        prompt_ids, want = greedy_ids(model, tokenizer, prompt, max_new_tokens=8)
        if got == prompt_ids + want:
            raise Fail(f"your ids begin with the prompt's {len(prompt_ids)} tokens: slice them off, "
                       "output[0, inputs['input_ids'].shape[1]:].")
        if got != want:
            raise Fail(f"for {prompt!r} the 8 new greedy tokens are {shown(tokenizer, want)}, "
                       f"you returned {shown(tokenizer, got)}.")
    return "generate returns the prompt followed by the new tokens, and slicing at the prompt's length keeps the new ones."


# Lesson 03 ---------------------------------------------------------------------------------------------------------

def check_seeded_sample(call: Runner, model, tokenizer) -> str:
    """The same seed gives the same sample; different seeds give different samples."""
    first, again = (token_ids(call(model, tokenizer, PROMPTS[0], 123), call.name) for _ in range(2))
    if first != again:
        raise Fail("two calls with seed 123 gave different tokens: seed the random number generator with "
                   "set_seed(seed) right before generate.")
    samples = {(prompt, seed): token_ids(call(model, tokenizer, prompt, seed), call.name)
               for prompt in PROMPTS for seed in (123, 7)}
    if all(samples[prompt, 123] == samples[prompt, 7] for prompt in PROMPTS):
        raise Fail("seeds 123 and 7 gave the same tokens: keep do_sample=True, so that the seed matters.")
    return "set_seed fixes torch's random number generator, so the same seed draws the same tokens."


def check_sample_top_5(call: Runner, model, tokenizer) -> str:
    """Every sampled token is among the model's 5 most likely at its step, and the seed still matters."""
    tolerance = 1e-4 if model.dtype == torch.float32 else 0.25  # the check's forward pass vs generate's cached one
    samples = {}
    for prompt in PROMPTS:
        prompt_ids = tokenizer(prompt)["input_ids"]
        for seed in (123, 7):
            new = samples[prompt, seed] = token_ids(call(model, tokenizer, prompt, seed), call.name)
            if len(new) > 8:
                raise Fail(f"{call.name} returned {len(new)} ids for 8 new tokens: slice the prompt off.")
            with torch.no_grad():
                logits = model(input_ids=torch.tensor([prompt_ids + new], device=model.device)).logits[0].float()
            for step, token in enumerate(new):
                scores = logits[len(prompt_ids) + step - 1]
                rank = int((scores > scores[token] + tolerance).sum())
                if rank >= 5:
                    raise Fail(f"after {tokenizer.decode(prompt_ids + new[:step])!r} your sample picked "
                               f"{shown(tokenizer, token)}, only number {rank + 1} in the model's ranking: "
                               "let generate keep the 5 most likely tokens, top_k=5.")
    if all(samples[prompt, 123] == samples[prompt, 7] for prompt in PROMPTS):
        raise Fail("seeds 123 and 7 gave the same tokens: that is greedy decoding; keep do_sample=True with top_k=5.")
    return "top_k=5 removes all but the 5 most likely tokens before each draw, and the draw still depends on the seed."


# Lesson 04 ---------------------------------------------------------------------------------------------------------

def check_twelve_new_tokens(call: Runner, model, tokenizer) -> str:
    """Exactly 12 new tokens for every prompt, including a chat prompt whose answer ends early with EOS."""
    prompts = list(PROMPTS)
    if tokenizer.chat_template:
        prompts.append(tokenizer.apply_chat_template(CONVERSATION, add_generation_prompt=True, tokenize=False))
    for prompt in prompts:
        got = token_ids(call(model, tokenizer, prompt), call.name)
        prompt_ids = tokenizer(prompt)["input_ids"]
        if len(got) == 12:
            continue
        if len(got) == 12 - len(prompt_ids):
            raise Fail(f"for a prompt of {len(prompt_ids)} tokens you got {len(got)} new ones: max_length counts "
                       "the prompt; limit the new tokens with max_new_tokens=12.")
        if got[: len(prompt_ids)] == prompt_ids and len(got) > 12:
            raise Fail("your ids still begin with the prompt: slice it off, output[0, inputs['input_ids'].shape[1]:].")
        if len(got) < 12 and got and got[-1] == tokenizer.eos_token_id:
            raise Fail(f"for {prompt[-40:]!r} the model ended with EOS after {len(got)} tokens: forbid an early "
                       "end with min_new_tokens=12.")
        raise Fail(f"for {prompt[-40:]!r} you returned {len(got)} new tokens instead of 12.")
    return "max_new_tokens=12 is the ceiling and min_new_tokens=12 the floor, whatever the prompt's length or EOS."


def check_first_sentence(call: Runner, model, tokenizer) -> str:
    """The answer's text equals greedy generation stopped at the first '.' (within 40 new tokens)."""
    for prompt in SENTENCE_PROMPTS:
        got = text(call(model, tokenizer, prompt), call.name, " (decode the new tokens)")
        _, ids = greedy_ids(model, tokenizer, prompt, max_new_tokens=40, stop_strings=["."], tokenizer=tokenizer)
        want = tokenizer.decode(ids, skip_special_tokens=True)
        if got == want:
            continue
        if got.startswith(prompt):
            raise Fail("your text repeats the prompt: decode only the new tokens, output[0, prompt_length:].")
        if got.startswith(want):
            raise Fail(f"your text runs on past {want!r}: pass stop_strings=['.'] and tokenizer=tokenizer to generate.")
        raise Fail(f"for {prompt!r} greedy generation up to the first '.' gives {want!r}; yours gave {got!r}.")
    return "stop_strings ends generation at the text '.', and tokenizer= lets generate see text in the token ids."


# Lesson 05 ---------------------------------------------------------------------------------------------------------

def check_batched_new_tokens(call: Runner, model, tokenizer) -> str:
    """Each row of the batched generation equals its prompt generated alone."""
    tokenizer = copy.deepcopy(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = call(model, tokenizer, list(PADDING_PROMPTS))
    if not (isinstance(rows, torch.Tensor) and rows.dim() == 2 and rows.shape[0] == len(PADDING_PROMPTS)):
        raise Fail(f"{call.name} returned {describe(rows)}; it should return a 2-D tensor, one row per prompt.")
    pad = tokenizer.pad_token_id
    for prompt, row in zip(PADDING_PROMPTS, rows.tolist()):
        _, want = greedy_ids(model, tokenizer, prompt, max_new_tokens=8)
        while row and row[-1] == pad and len(row) > len(want):
            row.pop()  # a row that ended early is padded to the batch's length
        if row != want:
            raise Fail(f"the row for {prompt!r} is {shown(tokenizer, row)}, alone the prompt gives "
                       f"{shown(tokenizer, want)}: pad on the left (padding_side='left'), so that every prompt "
                       "ends where generation continues.")
    return "with padding on the left, every prompt ends at the last position, and each row equals its prompt alone."


def check_left_padded_batch(call: Runner, model, tokenizer) -> str:
    """A tokenizer without a pad token is given one, and the batch is left-padded with an attention mask."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.pad_token = None  # as many base models ship
    batch = call(tokenizer, list(PADDING_PROMPTS))
    if not (isinstance(batch, Mapping) and "input_ids" in batch and "attention_mask" in batch):
        raise Fail(f"{call.name} returned {describe(batch)}; it should return the tokenizer's whole output "
                   "(input_ids and attention_mask), which generate takes with **.")
    ids, mask = (torch.as_tensor(batch[key]) for key in ("input_ids", "attention_mask"))
    if ids.dim() != 2 or ids.shape != mask.shape or ids.shape[0] != len(PADDING_PROMPTS):
        raise Fail("input_ids and attention_mask should be two tensors of the same shape, one row per prompt: "
                   "pass padding=True and return_tensors='pt'.")
    for prompt, row, row_mask in zip(PADDING_PROMPTS, ids.tolist(), mask.tolist()):
        if row_mask != sorted(row_mask):
            raise Fail("the padding (attention_mask 0) is on the right: pad on the left, padding_side='left'.")
        if row[len(row) - sum(row_mask):] != tokenizer(prompt)["input_ids"]:
            raise Fail(f"the row for {prompt!r} does not end with that prompt's tokens.")
    return "the EOS token serves as pad token, and the attention mask tells the model to ignore it."


# Lesson 06 ---------------------------------------------------------------------------------------------------------

def check_chat_prompt(call: Runner, model, tokenizer) -> str:
    """The rendered conversation ends by opening the assistant's turn."""
    without = tokenizer.apply_chat_template(MESSAGES, tokenize=False)
    want = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, tokenize=False)
    got = text(call(tokenizer, list(MESSAGES)), call.name, " (render with tokenize=False)")
    if got == without and want != without:
        raise Fail("your text ends after the user's turn, so the model may go on writing as the user: "
                   "pass add_generation_prompt=True to open the assistant's turn.")
    if got != want:
        raise Fail(f"the text should be the whole conversation, ending with the assistant's opener "
                   f"{want[len(without):]!r}; yours ends with {got[-40:]!r}.")
    return f"add_generation_prompt=True ends the prompt with {want[len(without):]!r}, so the next tokens are the answer."


def check_chat_input_ids(call: Runner, model, tokenizer) -> str:
    """The conversation's token ids start with exactly one BOS token, as apply_chat_template gives them."""
    tokenizer = copy.deepcopy(tokenizer)
    tokenizer.add_bos_token = True  # as Llama's, Mistral's and Gemma's tokenizers do
    want = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, return_dict=True)["input_ids"]
    got = token_ids(call(tokenizer, list(MESSAGES)), call.name)
    bos = tokenizer.bos_token_id
    if bos is not None and got[:2] == [bos, bos] and want[:2] != [bos, bos]:
        raise Fail("your ids start with two BOS tokens: the rendered text already has one and the tokenizer "
                   "adds another; tokenize with add_special_tokens=False.")
    if got != want:
        raise Fail(f"your ids differ from the template's own tokenization (first ids {got[:4]}, expected {want[:4]}).")
    return "the template writes the BOS token itself, so the text is tokenized without adding special tokens."


# The exercises -----------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: the learner fixes `starting_code`, then `check` runs the function it defines."""

    function: str
    starting_code: str
    solution_code: str
    hint_text: str
    checker: Callable[[Runner, Any, Any], str]
    model: Any = None
    tokenizer: Any = None

    def check(self, answer: Any, time_limit: float = TIME_LIMIT) -> Feedback:
        """Run the learner's function and say, in one line, "Correct: why" or "Not yet: what to fix"."""
        if not callable(answer):
            return Feedback(f"Not yet: pass the function itself, check({self.function}); this is {describe(answer)}.",
                            False)
        name = getattr(answer, "__name__", self.function)
        try:
            with caught_warnings():  # the learner's mistakes may warn; the one line below says what matters
                why = self.checker(Runner(answer, name, self.hint_text, time_limit), self.model, self.tokenizer)
        except Fail as failure:
            return Feedback(f"Not yet: {' '.join(str(failure).split())}", False)
        except Exception as error:  # noqa: BLE001 (an answer odd enough to break the check is still only reported)
            return Feedback(f"Not yet: your answer broke the check ({type(error).__name__}: {one_line(error)})", False)
        return Feedback(f"Correct: {why}", True)

    def hint(self) -> Feedback:
        """A nudge towards the fix."""
        return Feedback(f"Hint: {self.hint_text}")

    def solution(self) -> Feedback:
        """One correct answer, as code to read or paste."""
        return Feedback(self.solution_code)


def _exercise(function: str, start: str, solution: str, hint: str, checker: Callable) -> Exercise:
    """An unbound exercise from its code, trimmed of the blank lines that triple-quoted strings bring."""
    return Exercise(function, start.strip("\n"), solution.strip("\n"), hint, checker)


LESSONS: dict[str, list[Exercise]] = {
    "02": [
        _exercise("next_token_id", '''
import torch

def next_token_id(model, tokenizer, prompt):
    """The id of the most likely token after the prompt (an int)."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    with torch.no_grad():
        logits = model(**inputs).logits
    return logits[0, 0].argmax().item()
''', '''
import torch

def next_token_id(model, tokenizer, prompt):
    """The id of the most likely token after the prompt (an int)."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    with torch.no_grad():
        logits = model(**inputs).logits
    return logits[0, -1].argmax().item()  # the last position predicts the next token
''', "the logits hold one row of scores per prompt position; the token after the prompt is predicted by the last.",
            check_next_token_id),
        _exercise("greedy_tokens", '''
import torch

def greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens, one forward pass per token (a list of ints)."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    chosen = []
    for _ in range(steps):
        with torch.no_grad():
            next_id = model(input_ids=ids).logits[0, -1].argmax()
        chosen.append(next_id.item())
    return chosen
''', '''
import torch

def greedy_tokens(model, tokenizer, prompt, steps):
    """The ids of `steps` greedily chosen tokens, one forward pass per token (a list of ints)."""
    ids = tokenizer(prompt, return_tensors="pt").to(model.device)["input_ids"]
    chosen = []
    for _ in range(steps):
        with torch.no_grad():
            next_id = model(input_ids=ids).logits[0, -1].argmax()
        chosen.append(next_id.item())
        ids = torch.cat([ids, next_id.view(1, 1)], dim=1)  # the next pass sees the chosen token
    return chosen
''', "each forward pass must see the tokens chosen so far: append the chosen id to ids before the next step.",
            check_greedy_tokens),
        _exercise("only_new_tokens", '''
def only_new_tokens(model, tokenizer, prompt):
    """The ids of 8 greedily generated tokens, without the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    return output[0]
''', '''
def only_new_tokens(model, tokenizer, prompt):
    """The ids of 8 greedily generated tokens, without the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=8, do_sample=False)
    return output[0, inputs["input_ids"].shape[1]:]  # generate returns the prompt too
''', "generate returns the prompt followed by the new tokens: slice the output at the prompt's length.",
            check_only_new_tokens),
    ],
    "03": [
        _exercise("seeded_sample", '''
def seeded_sample(model, tokenizer, prompt, seed):
    """8 sampled new tokens; the same seed must always give the same tokens."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
''', '''
from transformers import set_seed

def seeded_sample(model, tokenizer, prompt, seed):
    """8 sampled new tokens; the same seed must always give the same tokens."""
    set_seed(seed)  # sampling draws from torch's random number generator
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
''', "sampling draws from torch's random number generator: seed it with set_seed(seed) right before generate.",
            check_seeded_sample),
        _exercise("sample_top_5", '''
from transformers import set_seed

def sample_top_5(model, tokenizer, prompt, seed):
    """8 sampled new tokens, each one of the 5 most likely tokens at its step."""
    set_seed(seed)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, max_new_tokens=8)
    return output[0, inputs["input_ids"].shape[1]:]
''', '''
from transformers import set_seed

def sample_top_5(model, tokenizer, prompt, seed):
    """8 sampled new tokens, each one of the 5 most likely tokens at its step."""
    set_seed(seed)
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, do_sample=True, top_k=5, max_new_tokens=8)  # keep the 5 most likely
    return output[0, inputs["input_ids"].shape[1]:]
''', "generate has a setting that keeps only the k most likely tokens before each draw; do_sample=True alone keeps many more.",
            check_sample_top_5),
    ],
    "04": [
        _exercise("twelve_new_tokens", '''
def twelve_new_tokens(model, tokenizer, prompt):
    """Exactly 12 greedily generated new token ids, whatever the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_length=12, do_sample=False)
    return output[0, inputs["input_ids"].shape[1]:]
''', '''
def twelve_new_tokens(model, tokenizer, prompt):
    """Exactly 12 greedily generated new token ids, whatever the prompt."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=12, min_new_tokens=12, do_sample=False)  # ceiling and floor
    return output[0, inputs["input_ids"].shape[1]:]
''', "max_length counts the prompt, and EOS can end a generation early: set a ceiling and a floor on the new tokens.",
            check_twelve_new_tokens),
        _exercise("first_sentence", '''
def first_sentence(model, tokenizer, prompt):
    """The new text of a greedy generation (at most 40 tokens) that stops at the first '.'."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=40, do_sample=False, stop_strings=["."])
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
''', '''
def first_sentence(model, tokenizer, prompt):
    """The new text of a greedy generation (at most 40 tokens) that stops at the first '.'."""
    inputs = tokenizer(prompt, return_tensors="pt").to(model.device)
    output = model.generate(**inputs, max_new_tokens=40, do_sample=False, stop_strings=["."],
                            tokenizer=tokenizer)  # generate needs it to find text in token ids
    return tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
''', "stop_strings matches text, and generate needs tokenizer=tokenizer to see text in token ids.",
            check_first_sentence),
    ],
    "05": [
        _exercise("batched_new_tokens", '''
def batched_new_tokens(model, tokenizer, prompts):
    """8 greedily generated new tokens for every prompt, in one batch: one row per prompt."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="right").to(model.device)
    output = model.generate(**batch, max_new_tokens=8, do_sample=False)
    return output[:, batch["input_ids"].shape[1]:]
''', '''
def batched_new_tokens(model, tokenizer, prompts):
    """8 greedily generated new tokens for every prompt, in one batch: one row per prompt."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left").to(model.device)
    output = model.generate(**batch, max_new_tokens=8, do_sample=False)  # every prompt ends at the last position
    return output[:, batch["input_ids"].shape[1]:]
''', "a decoder-only model continues from the last position: put the padding where it cannot come between a "
            "prompt and its continuation.", check_batched_new_tokens),
        _exercise("left_padded_batch", '''
def left_padded_batch(tokenizer, prompts):
    """The prompts as one left-padded batch of tensors (input_ids and attention_mask)."""
    return tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left")
''', '''
def left_padded_batch(tokenizer, prompts):
    """The prompts as one left-padded batch of tensors (input_ids and attention_mask)."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token  # the attention mask hides the padding anyway
    return tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left")
''', "a tokenizer needs a pad token to pad; reuse its EOS token, which the attention mask then hides.",
            check_left_padded_batch),
    ],
    "06": [
        _exercise("chat_prompt", '''
def chat_prompt(tokenizer, messages):
    """The conversation as text, ready for the model to write the assistant's answer."""
    return tokenizer.apply_chat_template(messages, tokenize=False)
''', '''
def chat_prompt(tokenizer, messages):
    """The conversation as text, ready for the model to write the assistant's answer."""
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
''', "apply_chat_template can end the text by opening the assistant's turn.", check_chat_prompt),
        _exercise("chat_input_ids", '''
def chat_input_ids(tokenizer, messages):
    """The conversation's token ids for generate, with the assistant's turn opened."""
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return tokenizer(text)["input_ids"]
''', '''
def chat_input_ids(tokenizer, messages):
    """The conversation's token ids for generate, with the assistant's turn opened."""
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return tokenizer(text, add_special_tokens=False)["input_ids"]  # the text already has its BOS token
''', "the rendered text already contains the BOS token: tokenize it without adding special tokens "
            "(or let apply_chat_template tokenize).", check_chat_input_ids),
    ],
}


def exercises_for(lesson: str, model, tokenizer) -> list[Exercise]:
    """The exercises of a lesson ("02" to "06"), checked against this model and tokenizer."""
    if lesson not in LESSONS:
        raise ValueError(f"no exercises for lesson {lesson!r}: choose one of {', '.join(LESSONS)}.")
    return [dataclasses.replace(exercise, model=model, tokenizer=tokenizer) for exercise in LESSONS[lesson]]
