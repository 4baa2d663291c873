"""The notebooks' explorers: their callbacks on tiny models, their bad-input messages, latest-wins, and the wiring."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteriaList

from helpers import explorers
from helpers.explorers import lesson_04, lesson_06, lesson_08, lesson_09
from helpers.language import END_ISOLATE, ISOLATE_RTL

MESSAGES = [{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "Where is the treasure?"}]


@pytest.fixture(scope="module")
def tiny(tiny_llama: Path) -> tuple:
    """The tiny Llama model and its tokenizer (no pad token, a ChatML template), in float32."""
    return AutoModelForCausalLM.from_pretrained(tiny_llama).eval(), AutoTokenizer.from_pretrained(tiny_llama)


def texts(out) -> str:
    """Everything an Output widget shows, as plain text."""
    return "".join(o.get("text") or o["data"].get("text/plain", "") for o in out.outputs)


@pytest.mark.parametrize("problem, names", [
    (lesson_04.sampling_problem("  ", 1.0, 0, 1.0, 0.0), "prompt"),
    (lesson_04.sampling_problem("Hi", 0.0, 0, 1.0, 0.0), "temperature"),
    (lesson_04.sampling_problem("Hi", 1.0, 0, 0.0, 0.0), "top-p"),
    (lesson_04.sampling_problem("Hi", 1.0, -1, 1.0, 0.0), "top-k"),
    (lesson_04.sampling_problem("Hi", 1.0, 0, 1.0, 1.5), "min-p"),
    (lesson_06.length_problem("", 40, 0), "prompt"),
    (lesson_06.length_problem("Hi", 10, 20), "min_new_tokens"),
    (lesson_06.length_problem("Hi", 0, 0), "max_new_tokens"),
    (lesson_08.padding_problem([]), "prompt"),
    (lesson_09.chat_problem([{"role": "system", "content": "Be brief."}], True, False), "user"),
    (lesson_09.chat_problem(MESSAGES, True, True), "continue_final_message"),
    (lesson_09.chat_problem(MESSAGES, False, True), "assistant"),
])
def test_bad_input_gets_a_one_line_message(problem: str | None, names: str) -> None:
    assert problem and "\n" not in problem and names in problem


def test_good_input_gets_no_message() -> None:
    assert lesson_04.sampling_problem("Hi", 0.7, 40, 0.9, 0.05) is None
    assert lesson_06.length_problem("Hi", 40, 10) is None and lesson_08.padding_problem(["a"]) is None
    assert lesson_09.chat_problem(MESSAGES, True, False) is None


def test_parse_messages_reads_roles_and_continuation_lines() -> None:
    assert lesson_09.parse_messages(lesson_09.format_messages(MESSAGES)) == MESSAGES
    assert lesson_09.parse_messages("user: one\ntwo")[0]["content"] == "one\ntwo"
    for bad in ["", "hello there"]:
        with pytest.raises(ValueError, match="user:"):
            lesson_09.parse_messages(bad)


def test_distribution_follows_each_warper() -> None:
    scores = torch.randn(500, generator=torch.Generator().manual_seed(0))
    original = torch.softmax(scores, -1)
    assert torch.allclose(lesson_04.next_token_distribution(scores), original)
    assert int((lesson_04.next_token_distribution(scores, top_k=5) > 0).sum()) == 5
    assert lesson_04.next_token_distribution(scores, temperature=0.5).max() > original.max()
    assert lesson_04.next_token_distribution(scores, temperature=2.0).max() < original.max()
    nucleus = lesson_04.next_token_distribution(scores, top_p=0.5)
    assert original[nucleus > 0].sum() >= 0.5 and int((nucleus > 0).sum()) < int((original > 0).sum())
    kept = lesson_04.next_token_distribution(scores, min_p=0.2) > 0
    assert torch.equal(kept, original >= 0.2 * original.max())


def test_prompt_scores_are_cached(tiny) -> None:
    model, tokenizer = tiny
    first = lesson_04.prompt_scores(model, tokenizer, "I am a cat.")
    assert lesson_04.prompt_scores(model, tokenizer, "I am a cat.") is first  # computed once: the same tensor


def test_sampling_is_reproducible_by_seed(tiny) -> None:
    model, tokenizer = tiny
    def sample(seed):
        return lesson_04.sample_continuation(model, tokenizer, "I am a cat.", seed, temperature=1.5, max_new_tokens=16)
    assert sample(1) == sample(1) != sample(2)


def test_latest_wins_stops_the_running_job_and_skips_queued_ones() -> None:
    drawn, ran, started = [], {}, threading.Event()

    def job(n: int):
        def run(stale):
            started.set()
            done = 0
            while done < 200 and not stale():
                time.sleep(0.005)
                done += 1
            ran[n] = done
            return n
        return run

    runner = explorers.LatestWins(drawn.append, lambda error: drawn.append(error))
    runner.submit(job(1))
    assert started.wait(5)
    for n in range(2, 6):
        runner.submit(job(n))
    runner.wait()
    assert drawn == [5] and ran[5] == 200
    assert ran[1] < 200 and set(ran) == {1, 5}, "the running job did not stop, or a stale queued job ran"


def test_stop_when_stale_ends_generate(tiny) -> None:
    model, tokenizer = tiny
    calls = iter(range(100))
    stale = explorers.StopWhenStale(lambda: next(calls) >= 3)
    inputs = tokenizer("I am a cat.", return_tensors="pt")
    output = model.generate(**inputs, max_new_tokens=50, min_new_tokens=50, do_sample=False,
                            stopping_criteria=StoppingCriteriaList([stale]))
    assert output.shape[1] - inputs["input_ids"].shape[1] <= 4


def test_length_reasons_on_the_tiny_model(tiny) -> None:
    model, tokenizer = tiny
    full = lesson_06.generate_with_reason(model, tokenizer, "I am a cat.", max_new_tokens=12, min_new_tokens=12, chat=False)
    assert (full.reason, full.new_tokens) == ("max_new_tokens", 12) and full.text
    stop = full.text.strip()[:1]
    stopped = lesson_06.generate_with_reason(model, tokenizer, "I am a cat.", 12, 0, stop=stop, chat=False)
    assert stopped.reason.startswith(f"stop string {stop!r}") and stopped.text.rstrip().endswith(stop)
    never = lesson_06.generate_with_reason(model, tokenizer, "I am a cat.", 12, 12, stop="§never§", chat=False)
    assert never.reason == "max_new_tokens" and "never occurred" in str(never)


def test_eos_stop_reason_and_min_new_tokens_on_the_default_model(default_model) -> None:
    model, tokenizer = default_model
    question = "What is the capital of France? Answer in one sentence."
    free = lesson_06.generate_with_reason(model, tokenizer, question, max_new_tokens=40)
    assert free.reason.startswith("EOS") and free.new_tokens < 40
    floor = lesson_06.generate_with_reason(model, tokenizer, question, free.new_tokens + 6, min_new_tokens=free.new_tokens + 3)
    assert floor.new_tokens >= free.new_tokens + 3 and ("min_new_tokens" in floor.note or floor.reason == "max_new_tokens")


def test_padding_comparison_matches_generate_by_hand(tiny) -> None:
    model, tokenizer = tiny
    prompts = ["I am", "A list of colors: red, blue"]
    comparison = lesson_08.compare_padding(model, tokenizer, prompts, padding_side="right", max_new_tokens=6)
    mask = comparison.batch["attention_mask"]
    assert mask[0, -1] == 0 and mask[1].all(), "the short prompt is not padded on the right"
    assert [len(r) for r in comparison.labels] == [mask.shape[1]] * 2
    for row, prompt in zip(comparison.rows, prompts):
        single = model.generate(**tokenizer(prompt, return_tensors="pt"), max_new_tokens=6, do_sample=False)
        assert row.alone == tokenizer.decode(single[0, len(tokenizer(prompt)["input_ids"]):], skip_special_tokens=True)
    assert comparison.table().shape == (2, 4) and tokenizer.pad_token is None, "the caller's tokenizer was changed"
    unmasked = lesson_08.compare_padding(model, tokenizer, prompts, padding_side="left", attention_mask=False, max_new_tokens=6)
    assert "WITHOUT" in unmasked.title and unmasked.batch["attention_mask"][0, 0] == 0


def test_render_chat_marks_every_special_token(tiny) -> None:
    _, tokenizer = tiny
    rendered = lesson_09.render_chat(tokenizer, MESSAGES)
    specials = [rendered.text[s:e] for s, e in rendered.special_spans]
    assert set(specials) == {"<|im_start|>", "<|im_end|>"}
    assert len(specials) == rendered.text.count("<|im_start|>") + rendered.text.count("<|im_end|>")
    assert rendered.token_count == len(tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True)["input_ids"])
    assert rendered._repr_mimebundle_()["text/html"].count("<span") == len(specials)
    started = MESSAGES + [{"role": "assistant", "content": "Arr, it be"}]
    assert lesson_09.render_chat(tokenizer, started, False, True).text.endswith("Arr, it be")


def test_chat_view_shows_a_message_for_bad_messages(tiny) -> None:
    _, tokenizer = tiny
    for text in ["system: Be brief.", "hello", ""]:
        assert lesson_09.chat_view(tokenizer, text, True, False)[0].startswith("⚠")
    refusing = tokenizer.__class__.from_pretrained(tokenizer.name_or_path)
    refusing.chat_template = "{{ raise_exception('Roles must alternate') }}"
    assert "Roles must alternate" in lesson_09.chat_view(refusing, "user: Hi", True, False)[0]


def test_stream_reply_streams_the_greedy_reply(tiny) -> None:
    model, tokenizer = tiny
    pieces = list(lesson_09.stream_reply(model, tokenizer, MESSAGES, max_new_tokens=12))
    chat = tokenizer.apply_chat_template(MESSAGES, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    whole = model.generate(**chat, max_new_tokens=12, do_sample=False)[0, chat["input_ids"].shape[1]:]
    assert "".join(p for p, _ in pieces) == tokenizer.decode(whole, skip_special_tokens=True)
    reply = lesson_09.collect_reply(iter(pieces))
    assert 0 < reply.first_token_s <= reply.total_s


def test_builders_redraw_when_a_control_changes(tiny, capsys) -> None:
    model, tokenizer = tiny
    playground = lesson_04.sampling_playground(model, tokenizer, prompt="I am a cat.")
    assert "tokens can be drawn" in capsys.readouterr().out, "no static result for the defaults"
    assert "live widget" in repr(playground) and not playground.output.outputs
    playground.controls["top_k"].value = 3
    assert texts(playground.output).startswith("3 of ")
    playground.runner.wait()
    assert texts(playground.outputs[1]).startswith("sampled (seed 123)")
    playground.controls["top_p"].value = 0.0
    assert texts(playground.output).startswith("⚠ top-p must be above 0")

    padding = lesson_08.padding_explorer(model, tokenizer, prompts=["I am", "A list of colors"])
    padding.controls["padding_side"].value = "right"
    padding.runner.wait()
    assert "padding_side='right'" in texts(padding.output) and len(padding.output.outputs) == 3
    padding.controls["prompts"].value = "  \n"
    assert texts(padding.output).startswith("⚠ No prompts")

    chat = lesson_09.chat_template_explorer(tokenizer, MESSAGES)
    chat.controls["add_generation_prompt"].value = False
    assert not texts(chat.output).rstrip().split("\n(")[0].endswith("assistant")
    chat.controls["text"].value = "system: no user here"
    assert "no user turn" in texts(chat.output)

    streaming = lesson_09.streaming_chat(model, tokenizer, max_new_tokens=8)
    streaming.controls["message"].value = "Tell me a joke."
    streaming.controls["send"].click()
    streaming.runner.wait()
    assert texts(streaming.output).startswith("user: Tell me a joke.\nassistant:")
    assert "time to first token" in streaming.status.value


def test_length_explorer_draws_only_the_latest_request(tiny, capsys) -> None:
    model, tokenizer = tiny
    explorer = lesson_06.length_explorer(model, tokenizer, prompt="I am a cat.", max_new_tokens=5, min_new_tokens=5)
    assert "stopped after 5 of at most 5" in capsys.readouterr().out
    explorer.controls["min_new_tokens"].value = 0
    for limit in (60, 70, 80, 90, 7):
        explorer.controls["max_new_tokens"].value = limit
    explorer.runner.wait()
    assert "of at most 7 new tokens" in texts(explorer.output)
    explorer.controls["min_new_tokens"].value = 50
    assert texts(explorer.output).startswith("⚠ min_new_tokens (50) is above max_new_tokens (7)")


ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def arabic_line(text: str) -> bool:
    """Whether a line is Arabic words inside a right-to-left isolate."""
    return text.startswith(ISOLATE_RTL) and text.endswith(END_ISOLATE) and bool(ARABIC_LETTER.search(text))


def test_arabic_explorers_print_arabic_lines_right_to_left(tiny, capsys) -> None:
    """language="ar": each line of words an explorer prints or shows as text is Arabic inside a right-to-left isolate
    (its English template gone); the model's own text stays as it is, outside any isolate."""
    model, tokenizer = tiny
    playground = lesson_04.sampling_playground(model, tokenizer, prompt="I am a cat.", language="ar")
    summary, *_, sampled = capsys.readouterr().out.splitlines()  # between them, the chart
    assert arabic_line(summary) and arabic_line(sampled) and "tokens can be drawn" not in summary
    assert arabic_line(repr(playground)) and "live widget" not in repr(playground)
    playground.controls["top_k"].value = 3
    playground.runner.wait()
    assert arabic_line(texts(playground.output).splitlines()[0]) and arabic_line(texts(playground.outputs[1]).strip())
    playground.controls["top_p"].value = 0.0
    assert arabic_line(texts(playground.output).strip()) and "⚠" in texts(playground.output)

    length = lesson_06.length_explorer(model, tokenizer, prompt="I am a cat.", max_new_tokens=5, min_new_tokens=5,
                                       stop="§never§", language="ar")
    text, *said = capsys.readouterr().out.splitlines()
    assert not text.startswith(ISOLATE_RTL) and len(said) == 2 and all(arabic_line(line) for line in said)
    length.controls["min_new_tokens"].value = 50
    assert arabic_line(texts(length.output).strip()) and "is above" not in texts(length.output)

    padding = lesson_08.padding_explorer(model, tokenizer, prompts=["I am", "A list of colors"], language="ar")
    verdict = capsys.readouterr().out.splitlines()[0]
    assert arabic_line(verdict) and "padding_side='left'" in verdict and "each row" not in verdict
    assert all(ARABIC_LETTER.search(label) for label in lesson_08.padding_view(
        lesson_08.compare_padding(model, tokenizer, ["I am"], max_new_tokens=2), "ar")[2].columns)
    padding.controls["prompts"].value = "  \n"
    assert arabic_line(texts(padding.output).strip())

    chat = lesson_09.chat_template_explorer(tokenizer, MESSAGES, language="ar")
    shown = capsys.readouterr().out
    assert "<|im_start|>system" in shown and not shown.startswith(ISOLATE_RTL)
    rendered = lesson_09.render_chat(tokenizer, MESSAGES, language="ar")._repr_mimebundle_()
    assert arabic_line(rendered["text/plain"].splitlines()[-1]) and '<div dir="rtl"' in rendered["text/html"]
    chat.controls["text"].value = "system: no user here"
    assert arabic_line(texts(chat.output).strip()) and "no user turn" not in texts(chat.output)

    streaming = lesson_09.streaming_chat(model, tokenizer, max_new_tokens=4, language="ar")
    assert capsys.readouterr().out.startswith("user: Where is the treasure?\nassistant:")  # the transcript as it is
    streaming.controls["message"].value = " "
    streaming.controls["send"].click()
    assert arabic_line(texts(streaming.output).strip())


def test_english_explorers_print_no_direction_marks(tiny, capsys) -> None:
    """In English, what an explorer prints, shows and renders is the plain text it was (no isolate, no RTL block)."""
    model, tokenizer = tiny
    shown = [repr(lesson_04.sampling_playground(model, tokenizer, prompt="I am a cat.")),
             repr(lesson_06.length_explorer(model, tokenizer, prompt="I am a cat.", max_new_tokens=3, stop="§")),
             repr(lesson_08.padding_explorer(model, tokenizer, prompts=["I am", "A list"])),
             str(lesson_09.render_chat(tokenizer, MESSAGES)._repr_mimebundle_())]
    printed = capsys.readouterr().out
    assert ISOLATE_RTL not in printed + "".join(shown) and 'dir="rtl"' not in shown[-1]
    assert "stopped after 3 of at most 3 new tokens: max_new_tokens\nThe stop string '§' never occurred" in printed
    assert lesson_08.compare_padding(model, tokenizer, ["I am"], max_new_tokens=2).table().columns.tolist() == [
        "prompt", "batched", "alone", "same"]


def test_explorer_caches_do_not_keep_a_deleted_model_alive(tiny_llama) -> None:
    """The cached next-token scores and lone continuations go with their model (an lru_cache kept it, and its memory)."""
    import gc
    import weakref

    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_llama).eval(), AutoTokenizer.from_pretrained(tiny_llama)
    lesson_04.prompt_scores(model, tokenizer, "I am")
    lesson_08.alone(model, lesson_08.padding_tokenizer(tokenizer), "I am", 2)
    assert lesson_04.prompt_scores(model, tokenizer, "I am") is lesson_04.prompt_scores(model, tokenizer, "I am")
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None, "a cache still holds the deleted model"
