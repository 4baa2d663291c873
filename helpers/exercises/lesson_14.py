"""Lesson 14's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/14/)."""

from __future__ import annotations

from typing import Any

import torch

from helpers.exercises import PROMPTS, Exercise, Fail, Prediction, Runner, token_id, token_ids
from helpers.language import Message, message

GUESSES = 4
DRAWS = 20_000
# A chi-square p-value below LEVEL rejects a rule: the check's two chi-square and two acceptance-rate tests together reject a
# right rule for about 3 seeds in 10,000, and the seeds are fixed, so a rule's verdict never changes.
LEVEL = 1e-4
# The target's p and two drafts' q over six tokens: a draft that disagrees with the target, and an n-gram draft whose q
# is all on one token (as lesson 14's loop uses it).
P = torch.tensor([0.40, 0.25, 0.15, 0.10, 0.06, 0.04], dtype=torch.float64)
DRAFTS = [(message("a model draft"), torch.tensor([0.10, 0.10, 0.40, 0.25, 0.05, 0.10], dtype=torch.float64)),
          (message("an n-gram draft"), torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 0.0], dtype=torch.float64))]


def pieces(tokenizer, ids: list[int]) -> list[str]:
    """Each token as the text it decodes to, so that a list shows where one token ends and the next begins."""
    return [tokenizer.decode([token]) for token in ids]


def greedy_one_by_one(model, ids: list[int], count: int) -> list[int]:
    """Greedy decoding's next tokens, one forward pass per token, with the raw scores."""
    new: list[int] = []
    for _ in range(count):
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids + new], device=model.device)).logits[0, -1]
        new.append(int(logits.argmax()))
    return new


def check_verify(call: Runner, model, tokenizer) -> Message:
    """For guesses all right, right then wrong, wrong at once, and none, the tokens greedy decoding keeps, from one pass."""
    passes = []  # one entry per forward pass, counted where the token ids enter, however the model is called
    hook = model.get_input_embeddings().register_forward_hook(lambda module, args, output: passes.append(1))
    try:
        for prompt in PROMPTS:
            ids = tokenizer(prompt)["input_ids"]
            greedy = greedy_one_by_one(model, ids, GUESSES + 1)
            with torch.no_grad():  # the target's second choice at each position: a wrong guess it finds plausible
                logits = model(input_ids=torch.tensor([ids + greedy[:-1]], device=model.device)).logits[0, len(ids) - 1:]
            wrong = logits.topk(2).indices[:, 1].tolist()
            cases = [(greedy[:GUESSES], greedy), (greedy[:2] + [wrong[2], greedy[3]], greedy[:3]),
                     ([wrong[0], greedy[1]], greedy[:1]), ([], greedy[:1])]
            for guesses, want in cases:
                passes.clear()
                got = token_ids(call(model, list(ids), list(guesses)), call.name)
                if got != want:
                    raise Fail("after {prompt!r}, for the guesses {guesses} you return {got}; greedy decoding, one token at "
                               "a time, keeps {want}.", prompt=prompt, guesses=pieces(tokenizer, guesses),
                               got=pieces(tokenizer, got), want=pieces(tokenizer, want))
                if len(passes) > 1:
                    raise Fail("{name} ran the model {count} times for {guesses} guesses, where one pass over the guesses "
                               "scores them all.", name=call.name, count=len(passes), guesses=len(guesses))
    finally:
        hook.remove()
    return message("for guesses all right, right then wrong, wrong from the first and none, one pass of the model gives "
                   "exactly the tokens greedy decoding keeps, one more than the guesses it accepts.")


def draws(call: Runner, q: torch.Tensor, seed: int) -> tuple[list[int], list[int]]:
    """The draft's guesses, drawn from q, and the tokens the learner's rule keeps, all from one seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    guesses = torch.multinomial(q, DRAWS, replacement=True, generator=generator).tolist()
    kept = call.timed(lambda: [call.function(P.clone(), q.clone(), guess, generator) for guess in guesses])
    return guesses, [token_id(token, call.name) for token in kept]


def chi_square_p_value(counts: torch.Tensor, p: torch.Tensor) -> float:
    """The p-value of counts drawn from p (every category here is expected at least 5 times)."""
    expected = p * counts.sum()
    statistic = ((counts - expected) ** 2 / expected).sum()
    return float(torch.special.gammaincc(torch.tensor((len(p) - 1) / 2, dtype=p.dtype), statistic / 2))


def percentages(values: torch.Tensor) -> str:
    return ", ".join(f"{value:.1%}" for value in values.tolist())


def check_keep_or_replace(call: Runner, model, tokenizer) -> Message:
    """Over many seeded draws from two drafts, the kept tokens are distributed as p, the draft's token is kept as often
    as the rule keeps it (the sum of min(p, q)), and the same seed gives the same tokens."""
    for what, q in DRAFTS:
        guesses, kept = draws(call, q, seed=0)
        if any(not 0 <= token < len(P) for token in kept):
            raise Fail("{name} returned a token outside the vocabulary of {size}.", name=call.name, size=len(P))
        frequencies = torch.bincount(torch.tensor(kept), minlength=len(P)).double()
        value = chi_square_p_value(frequencies, P)
        if value < LEVEL:
            raise Fail("with {what}, over {draws:,} draws, the tokens you keep come out {got} of the time where the "
                       "target's probabilities are {want} (a chi-square test's p-value of {value:.2g}).", what=what,
                       draws=DRAWS, got=percentages(frequencies / DRAWS), want=percentages(P), value=value)
        rate = sum(a == b for a, b in zip(guesses, kept)) / DRAWS
        agreement = float(torch.minimum(P, q).sum())
        if abs(rate - agreement) > 4 * (agreement * (1 - agreement) / DRAWS) ** 0.5:
            raise Fail("with {what}, you keep the draft's token in {rate:.1%} of the draws, where the draft and the target "
                       "share {agreement:.1%} of their probability.", what=what, rate=rate, agreement=agreement)
        torch.manual_seed(1)  # the global generator moves between the two runs: only `generator` may feed the rule
        again = draws(call, q, seed=0)[1]
        if again != kept:
            raise Fail("two runs with the same seeded generator returned different tokens: a seeded generation could not "
                       "be repeated.")
    return message("over {draws:,} seeded draws from each of two drafts, the tokens you keep are distributed as the "
                   "target's (chi-square p-values above {level:g}), and you keep each draft's token as often as the two "
                   "agree.", draws=DRAWS, level=LEVEL)


EXERCISES = [
    Exercise("verify", check_verify, fix="+ [choices[len(kept)]]", hints=(
        "try guesses whose first token is wrong: what does your function return, and what would the loop that calls it "
        "append to the sequence?",
        "after the accepted guesses, append the target's own choice at the next position: kept + [choices[len(kept)]] "
        "(the scores at position i choose the token after it, so logits[len(ids) - 1:] line up with the guesses).")),
    Exercise("keep_or_replace", check_keep_or_replace, fix="(p - q).clamp(min=0)", hints=(
        "count what your rule returns over many draws, with a draft q far from p: which tokens come out too often, and "
        "which tokens did the kept guesses already supply?",
        "keep the guess when torch.rand((), generator=generator) < p[token] / q[token]; otherwise draw from the residual, "
        "torch.multinomial((p - q).clamp(min=0), 1, generator=generator).")),
]


def random_draft_keeps_greedy(model, tokenizer) -> tuple[Any, str | Message]:
    """Whether draft-then-verify with random guesses gives greedy decoding's 16 tokens."""
    ids, new = tokenizer(PROMPTS[0])["input_ids"], []
    vocabulary = model.get_output_embeddings().weight.shape[0]
    generator, passes = torch.Generator().manual_seed(0), 0
    while len(new) < 16:
        guesses = torch.randint(vocabulary, (GUESSES,), generator=generator).tolist()
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids + new + guesses], device=model.device)).logits[0]
        choices = logits[len(ids) + len(new) - 1:].argmax(-1).tolist()
        kept = 0
        while kept < GUESSES and guesses[kept] == choices[kept]:
            kept += 1
        new += guesses[:kept] + [choices[kept]]
        passes += 1
    same = new[:16] == greedy_one_by_one(model, ids, 16)
    return same, message("The target checks every guess and keeps only the tokens greedy decoding would pick, so a bad "
                         "draft changes no token: it only costs time. Here random guesses were almost never right: {passes} "
                         "passes for 16 tokens, one token per pass, as without a draft.", passes=passes) if same else \
        message("In exact arithmetic the output is greedy's whatever the draft; this model's float32 sums rounded a near "
                "tie differently in a pass over several positions.")


PREDICTIONS = [
    Prediction("Predict: greedy speculative decoding where the draft guesses 4 random tokens each round. Will its 16 new "
               "tokens equal greedy decoding's, one token at a time? Answer True or False.", random_draft_keeps_greedy),
]
