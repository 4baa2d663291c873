"""The speed lab's measuring helpers (helpers/speed.py) and its script (scripts/speed_lab.py), on tiny models."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
import torch
from conftest import run
from transformers import AutoModelForCausalLM, AutoTokenizer

from helpers import speed
from helpers.quantization import top1_agreement, untie_output_layer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import speed_lab  # noqa: E402  (scripts/speed_lab.py)

linux_cpu_memory = pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux only")


@pytest.fixture(scope="module")
def tiny(tiny_llama):
    """The tiny Llama, its tokenizer, and a one-prompt input."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_llama)
    return AutoModelForCausalLM.from_pretrained(tiny_llama), tokenizer, tokenizer(["A list of colors:"], return_tensors="pt")


def test_weight_bytes_counts_shared_embeddings_once(tiny):
    model = tiny[0]
    assert model.lm_head.weight is model.get_input_embeddings().weight  # the fixture ties them
    unique = {p.data_ptr(): p.numel() * p.element_size() for p in model.parameters()}
    assert speed.weight_bytes(model) == sum(unique.values()) + sum(b.numel() * b.element_size() for b in model.buffers())


def test_a_token_reads_one_row_of_an_embedding_table_that_it_does_not_share(tiny):
    model = copy.deepcopy(tiny[0])
    every_parameter = sum(p.numel() * p.element_size() for p in model.parameters())
    assert speed.bytes_per_token(model) == every_parameter  # tied: the output layer reads the table whole
    table = model.get_input_embeddings().weight
    untie_output_layer(model)
    assert model.lm_head.weight is not table and torch.equal(model.lm_head.weight, table)
    row = table.shape[1] * table.element_size()
    assert speed.bytes_per_token(model) == every_parameter + row


def test_stored_bytes_counts_a_quantized_tensor_s_parts(tiny):
    """torchao's int8 layers keep one byte per weight and one scale per row; the tensor's own size says 4 bytes each."""
    quantize_ = pytest.importorskip("torchao.quantization").quantize_
    from torchao.quantization import Int8WeightOnlyConfig

    layer = torch.nn.Linear(64, 32, bias=False)
    quantize_(layer, Int8WeightOnlyConfig(set_inductor_config=False))
    assert layer.weight.numel() * layer.weight.element_size() == 64 * 32 * 4
    assert 64 * 32 <= speed.stored_bytes(layer.weight) <= 64 * 32 + 32 * 8


def test_time_products_groups_the_linear_layers_by_shape(tiny):
    model = tiny[0]
    found = {products.shape: products for products in speed.time_products(model, repeats=2)}
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert sum(p.layers for p in found.values()) == len(layers)
    for shape, products in found.items():
        same = [m.weight for m in layers if (m.out_features, m.in_features) == shape]
        assert products.layers == len(same) and products.bytes == sum(w.numel() * w.element_size() for w in same)
        assert products.seconds > 0 and products.bytes_per_s == products.bytes / products.seconds


def test_top1_agreement_is_complete_for_the_model_s_own_greedy_text_and_not_for_another(tiny):
    model, _, inputs = tiny
    output = model.generate(**inputs, max_new_tokens=6, min_new_tokens=6, do_sample=False)
    own = output[0, inputs["input_ids"].shape[1]:]
    assert top1_agreement(model, inputs, own) == 1.0
    other = (own + 1) % model.config.vocab_size
    assert top1_agreement(model, inputs, other) < 1.0


def test_the_gguf_reader_counts_what_llama_cpp_reads(tmp_path):
    """Every tensor as stored; of a token table that a separate output layer does not share, one row."""
    gguf = pytest.importorskip("gguf")

    def write(path, output_layer):
        writer = gguf.GGUFWriter(str(path), "llama")
        writer.add_tensor("token_embd.weight", torch.zeros(10, 4).numpy())
        writer.add_tensor("blk.0.attn_q.weight", torch.zeros(4, 4).numpy())
        if output_layer:
            writer.add_tensor("output.weight", torch.zeros(10, 4).numpy())
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path

    assert speed.gguf_bytes_per_token(write(tmp_path / "tied.gguf", False)) == (40 + 16) * 4
    assert speed.gguf_bytes_per_token(write(tmp_path / "untied.gguf", True)) == (4 + 16 + 40) * 4


def test_llama_cpp_s_absence_names_the_make_target(monkeypatch):
    monkeypatch.setattr(speed.importlib.util, "find_spec", lambda name: None)
    assert "make llama-cpp" in speed.llama_cpp_problem()


class FakeLlama:
    """llama-cpp-python's Llama as the lab uses it, keeping its previous call's tokens as the real one does: a call
    that starts from them evaluates only the prompt's new part, unless `reset()` came first."""

    evaluated: list[int] = []

    def __init__(self, path, n_ctx, n_threads, verbose):
        self.kept: list[int] = []

    def reset(self):
        self.kept = []

    def token_eos(self):
        return 0

    def generate(self, prompt, top_k, temp, reset):
        reused = len(self.kept) if self.kept and prompt[:len(self.kept)] == self.kept else 0
        FakeLlama.evaluated.append(len(prompt) - reused)
        self.kept = list(prompt)
        yield from (7, 8, 9, 0)


def test_llama_cpp_evaluates_the_whole_prompt_on_every_call_and_notes_its_first_token(monkeypatch):
    """llama-cpp-python reuses the previous call's matching tokens: timed that way, llama.cpp skips the prompt's pass
    that every PyTorch row pays, which the lab's comparison must not do."""
    monkeypatch.setitem(sys.modules, "llama_cpp", type(sys)("llama_cpp"))
    monkeypatch.setattr(sys.modules["llama_cpp"], "Llama", FakeLlama, raising=False)
    FakeLlama.evaluated = []
    run = speed.llama_cpp_generate("model.gguf", [1, 2, 3], max_new_tokens=8, repeats=2)
    assert FakeLlama.evaluated == [3, 3, 3]  # the warm-up call and both timed calls, each over the whole prompt
    assert run.output.tolist() == [[1, 2, 3, 7, 8, 9, 0]] and run.new_tokens == 4  # end-of-text kept, as generate does
    assert 0 < run.first_token_seconds <= run.seconds and run.first_tokens == 1
    assert speed.llama_cpp_generate("model.gguf", [1, 2, 3], max_new_tokens=2).new_tokens == 2


@linux_cpu_memory
def test_added_memory_sees_a_new_200_mb_tensor_and_not_an_old_one():
    kept = torch.ones(50_000_000)  # 200 MB allocated before the block: not added by it
    with speed.added_memory("cpu") as idle:
        kept.add_(1)
    with speed.added_memory("cpu") as grown:
        new = torch.ones(50_000_000)
        del new
    assert idle["bytes"] < 30e6 and 195e6 < grown["bytes"] < 260e6, (idle, grown)


def test_added_memory_is_unknown_where_it_cannot_be_measured():
    with speed.added_memory("meta") as found:
        pass
    assert found["bytes"] is None and speed.megabytes(found["bytes"]) == "n/a"


def test_timed_warms_up_with_the_same_call_then_counts_new_tokens(tiny, monkeypatch):
    model, _, inputs = tiny
    calls = []
    original = model.generate
    monkeypatch.setattr(model, "generate", lambda **kwargs: calls.append(kwargs) or original(**kwargs))
    batch = {name: tensor.repeat(3, 1) for name, tensor in inputs.items()}
    result = speed.timed(model, batch, max_new_tokens=7, min_new_tokens=7, do_sample=False)
    streamers = [call.pop("streamer") for call in calls]  # each call notes its own first token's arrival
    assert len(calls) == 2 and calls[0] == calls[1] and streamers[0] is not streamers[1]
    assert result.new_tokens == 7 and result.output.shape[0] == 3
    assert result.tokens_per_s == pytest.approx(3 * 7 / result.seconds)
    assert 0 < result.first_token_seconds < result.seconds and result.first_tokens == 1
    assert result.decoding_tokens_per_s == pytest.approx(3 * 6 / (result.seconds - result.first_token_seconds))
    assert len(speed.timed(model, batch, warmup=False, repeats=2, max_new_tokens=2).output) == 3 and len(calls) == 4


def test_the_decoding_rate_counts_a_first_arrival_of_several_guessed_tokens_once(monkeypatch):
    """A draft's first accepted guesses arrive together (assisted decoding streams them as one row of several): they
    all came from the prompt's pass, so decoding's rate counts the tokens after them, over the time after them."""
    monkeypatch.setattr(speed.time, "perf_counter", lambda: 2.0)
    arrival = speed._Arrival()
    arrival.put(torch.ones(1, 9, dtype=torch.long))  # the prompt
    arrival.put(torch.tensor([[5, 6, 7]]))  # three guessed tokens accepted at once
    arrival.put(torch.tensor([8]))
    assert (arrival.seconds, arrival.tokens) == (2.0, 3)
    run = speed.Run(torch.zeros(1, 19), 10, 5.0, None, 1.0, arrival.tokens)
    assert run.decoding_tokens_per_s == pytest.approx(7 / 4.0) and run.tokens_per_s == pytest.approx(10 / 5.0)
    assert speed.Run(torch.zeros(1, 12), 3, 5.0, None, 1.0, 3).decoding_tokens_per_s is None


def test_beam_search_is_timed_whole_without_a_first_token(tiny):
    model, _, inputs = tiny
    beams = speed.timed(model, inputs, warmup=False, max_new_tokens=4, num_beams=2, do_sample=False)
    assert beams.first_token_seconds is None and beams.decoding_tokens_per_s is None and beams.tokens_per_s > 0


def test_read_bandwidth_is_bytes_over_the_fastest_pass(monkeypatch):
    ticks = iter([0.0, 0.5, 1.0, 1.25, 2.0, 3.0])  # passes of 0.5, 0.25 and 1.0 s after the untimed first one
    monkeypatch.setattr(speed.time, "perf_counter", lambda: next(ticks))
    assert speed.read_bandwidth("cpu", gib=1 / 1024, repeats=3) == 2**20 / 0.25


def test_profile_gives_shares_and_the_profiler_prints_nothing(tiny, capfd):
    model, _, inputs = tiny
    found = speed.profile_generate(model, inputs, max_new_tokens=3, do_sample=False)
    assert 0 < found.matmul_share < 1 and 0 < found.busy_share <= 1
    assert capfd.readouterr().err == ""  # the profiler's C++ start/stop lines would land in a cell's stderr


def test_compile_problem_names_the_missing_compiler(monkeypatch):
    monkeypatch.setattr(speed.shutil, "which", lambda name: None)
    assert "apt install g++" in speed.compile_problem("cpu")
    assert speed.compile_problem("mps").startswith("torch.compile on mps")


def row(name: str, speed: float, kept: str, agreement: str = "100%") -> dict:
    """One row of the lab's table, as the notebook writes it to its results file."""
    return {"configuration": name, "decoding tokens/s": speed, "share of roofline": "25%", "first token (ms)": 40,
            "peak memory": "9 MB",
            "baseline's tokens kept": kept, "top-1 agreement": agreement}


RESULTS = {"device": "cpu, float32", "processor": "Test CPU", "threads": 2, "torch": "2", "transformers": "5",
           "model": "tiny", "new_tokens": 8, "sweep_tokens": 4, "repeats": 1, "bandwidth_gb_s": 20.0, "weights_mb": 500.0,
           "roofline_tokens_s": 40.0, "matmul_share": 0.7, "busy_share": 0.6, "first_token_s": 0.1, "total_s": 1.0,
           "step_ms": 100.0, "products_ms": 70.0, "compiled": ["baseline"],
           "products": [{"weight shape": "8×4", "layers": 2, "MB": 1.0, "ms per token": 0.5, "GB/s": 2.0}],
           "sweep": [{"batch size": 1, "tokens/s": 10.0, "latency per sequence (s)": 0.4, "memory added": "1 MB"},
                     {"batch size": 32, "tokens/s": 150.0, "latency per sequence (s)": 0.9, "memory added": "9 MB"}],
           "configurations": [row("baseline (dynamic cache)", 10.0, "8 of 8"), row("bfloat16", 12.0, "8 of 8"),
                              row("int4 (torchao)", 30.0, "2 of 8", "91%"), row("prompt lookup", 50.0, "8 of 8")]}


def test_results_page_names_the_fastest_rows_and_llama_cpp_s_ratio(tmp_path):
    """Exact text: prompt lookup (guessing counts there); computing every token: int4, a guessing row not; llama.cpp's
    ratio is to that row."""
    _, text = speed_lab.section(RESULTS, 12.0)
    assert "15.0x" in text and "Fastest with the baseline's text: **prompt lookup**" in text
    assert "(no guessing): **int4 (torchao)**, 30.0 tokens/s; it keeps 2 of 8" in text and "91%" in text
    assert "No llama.cpp row in this run" in text
    anchored = RESULTS | {"configurations": [*RESULTS["configurations"], row("llama.cpp (Q4_1 file)", 45.0, "3 of 8", "n/a")]}
    assert "**1.50x** the fastest PyTorch row" in speed_lab.section(anchored, 12.0)[1]


def test_results_page_keeps_one_section_per_machine(tmp_path):
    page = tmp_path / "speed-lab.md"
    key, text = speed_lab.section(RESULTS, 12.0)
    speed_lab.write_page(key, text, page)
    other_key, other = speed_lab.section(RESULTS | {"device": "cuda (Test GPU), bfloat16"}, 5.0)
    speed_lab.write_page(other_key, other, page)
    speed_lab.write_page(key, text.replace("12 s", "13 s"), page)
    written = page.read_text()
    assert written.startswith(speed_lab.HEADER) and written.count("<!-- machine:") == 2
    assert "13 s for the whole run" in written and "12 s for the whole run" not in written


@pytest.mark.notebook
def test_lab_runs_with_another_model_and_a_draft_and_writes_its_section(tiny_llama, tiny_gpt2, tmp_path):
    """The whole notebook through the script, on a tiny Llama with a tiny GPT-2 (same tokenizer) as the draft. The
    compiled row is left out (20 s of compiling): notebook 10's own nbval run compiles, on the default model."""
    page = tmp_path / "speed-lab.md"
    printed = run([sys.executable, str(ROOT / "scripts" / "speed_lab.py"), "--model", str(tiny_llama), "--draft",
                   str(tiny_gpt2), "--new-tokens", "8", "--sweep-tokens", "4", "--repeats", "1", "--skip-compile", "--page", str(page)]).stdout
    assert "section" in printed.splitlines()[0]
    written = page.read_text()
    for name in ("baseline (dynamic cache)", "static cache", "prompt lookup", "assisted decoding", "int8 (bitsandbytes)",
                 "int8 (torchao)", "int4 (torchao)"):
        assert f"| {name} |" in written, name
    assert "| static cache + torch.compile" not in written and "Compiled (static cache, `torch.compile`): none." in written
    assert "| llama.cpp" not in written  # another model, and no GGUF_FILE given
    assert "batch 32 over batch 1:" in written and "not measured" not in written


def test_exits_early_tells_llama_from_gpt2_and_leaves_the_config(tiny_llama, tiny_gpt2):
    """Early-exit drafting lowers config.num_hidden_layers: Llama's loop honours it, GPT-2's runs every block."""
    for path, expected in ((tiny_llama, True), (tiny_gpt2, False)):
        model = AutoModelForCausalLM.from_pretrained(path)
        layers = model.config.num_hidden_layers
        assert speed.exits_early(model) is expected and model.config.num_hidden_layers == layers


def test_compiled_passes_counts_none_for_an_uncompiled_model(tiny, capfd):
    """An uncompiled model runs no compiled code, and the profiler says nothing on the way."""
    model, tokenizer, _ = tiny
    inputs = tokenizer("I am a cat.", return_tensors="pt")
    output, passes = speed.compiled_passes(model, inputs, max_new_tokens=6, min_new_tokens=6, do_sample=False,
                                           cache_implementation="static", disable_compile=True)
    assert passes == 0 and output.shape[1] - inputs["input_ids"].shape[1] == 6
    assert "profiler" not in capfd.readouterr().err


@pytest.mark.slow
@pytest.mark.covered_by_notebook("notebooks/10_speed_and_memory.ipynb")  # its compiled row asserts one pass per token
def test_compiled_passes_counts_one_compiled_pass_per_new_token(tiny, capfd):
    """The guide's route (torch.compile on forward, a static cache): every forward pass of a warm call ran compiled code.
    About 15 s of compiling."""
    model, tokenizer, _ = tiny
    if speed.compile_problem("cpu"):
        pytest.skip(speed.compile_problem("cpu"))
    inputs = tokenizer("I am a cat.", return_tensors="pt")
    options = dict(max_new_tokens=6, min_new_tokens=6, do_sample=False, cache_implementation="static", disable_compile=True)
    compiled = copy.deepcopy(model)
    compiled.forward = torch.compile(compiled.forward, fullgraph=True)
    compiled.generate(**inputs, **options)  # compiles: the prompt's pass, then the one-token step
    output, passes = speed.compiled_passes(compiled, inputs, **options)
    assert passes == output.shape[1] - inputs["input_ids"].shape[1] == 6
    assert "profiler" not in capfd.readouterr().err
