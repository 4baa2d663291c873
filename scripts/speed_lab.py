"""Run the speed and memory lab (notebook 10) with more tokens and write its results page: `python scripts/speed_lab.py`.

The notebook is the one source of the measurements: this script executes it with papermill (parameters below),
reads the results it writes, and puts them in docs/speed-lab.md as one section per machine and model, replacing
that machine's previous section. Run it on each machine you care about (a laptop, a CPU server, a CUDA GPU); the
page keeps them side by side. Close other heavy programs first: the figures are timings.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import papermill

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "10_speed_and_memory.ipynb"
PAGE = ROOT / "docs" / "speed-lab.md"
HEADER = """# Speed and memory lab: results

Measured by `scripts/speed_lab.py`, which runs [notebook 10](../notebooks/10_speed_and_memory.ipynb) with more
tokens. Each section is one machine and model; rerunning the script on a machine replaces its section. The
roofline is the measured read bandwidth divided by the bytes of weights one token reads (see the notebook): a
batch-1 configuration cannot beat it unless it makes several tokens per read (prompt lookup, assisted decoding).
The bandwidth of a shared or virtual machine moves from run to run, and every share of the roofline with it.
"""
COMPILED = ("baseline", "bfloat16", "int4 (torchao)")  # the variants the lab compiles: about three minutes each on 2 cores
SECTION = re.compile(r"<!-- machine: (?P<key>.*?) -->\n.*?<!-- end -->\n", re.DOTALL)


def markdown_table(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table of dict rows, in the given columns, numbers rounded for reading."""
    def cell(value: object) -> str:
        return f"{value:,.1f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += ["| " + " | ".join(cell(row[column]) for column in columns) + " |" for row in rows]
    return "\n".join(lines)


GUESSING = ("prompt lookup", "assisted: early exit", "assisted decoding")
LLAMA_CPP = "llama.cpp (Q4_1 file)"
KEPT = "baseline's tokens kept"
COLUMNS = ["configuration", "decoding tokens/s", "share of roofline", "first token (ms)", "peak memory", KEPT,
           "top-1 agreement"]


def exact(row: dict) -> bool:
    """Whether a row reproduced every token of the baseline's greedy text ("32 of 32")."""
    kept, _, total = row[KEPT].partition(" of ")
    return kept == total


def verdicts(rows: list[dict]) -> str:
    """The page's reading of the table: the fastest exact row, the fastest row that computes every token, llama.cpp."""
    best_exact = max((row for row in rows if exact(row)), key=lambda row: row["decoding tokens/s"])
    computing = [row for row in rows if row["configuration"] not in GUESSING]
    torch_rows = [row for row in computing if row["configuration"] != LLAMA_CPP]
    best = max(torch_rows, key=lambda row: row["decoding tokens/s"])
    lines = [f"Fastest with the baseline's text: **{best_exact['configuration']}**, "
             f"{best_exact['decoding tokens/s']:.1f} tokens/s ({best_exact['share of roofline']} of its roofline).",
             f"Fastest PyTorch row that computes every token (no guessing): **{best['configuration']}**, "
             f"{best['decoding tokens/s']:.1f} tokens/s; it keeps {best[KEPT]} of the baseline's tokens, with a top-1 "
             f"agreement of {best['top-1 agreement']}."]
    anchor = next((row for row in rows if row["configuration"] == LLAMA_CPP), None)
    if anchor:
        lines.append(f"llama.cpp on the same GGUF file: {anchor['decoding tokens/s']:.1f} tokens/s, "
                     f"**{anchor['decoding tokens/s'] / best['decoding tokens/s']:.2f}x** the fastest PyTorch row.")
    else:
        lines.append("No llama.cpp row in this run (it needs llama-cpp-python, `make llama-cpp`, and the model's GGUF file).")
    return "\n".join(lines)


def section(results: dict, seconds: float) -> tuple[str, str]:
    """The page section for one run's results, and the key (device, processor, model) that identifies it."""
    key = f"{results['device']} · {results['processor']} · {results['threads']} threads · {results['model']}"
    sweep = results["sweep"]
    by_batch = {row["batch size"]: row["tokens/s"] for row in sweep}
    ratio = f"{by_batch[32] / by_batch[1]:.1f}x" if {1, 32} <= set(by_batch) else "not measured"
    compiled = ", ".join(results["compiled"]) or "none"
    text = f"""<!-- machine: {key} -->
## {key}

Measured {time.strftime('%Y-%m-%d')} with torch {results['torch']} and transformers {results['transformers']}
({seconds:.0f} s for the whole run). Read bandwidth **{results['bandwidth_gb_s']:.1f} GB/s**; the baseline reads
{results['weights_mb']:.0f} MB per token, so the batch-1 roofline is **{results['roofline_tokens_s']:.1f} tokens/s**.

Where a decoding step's time goes at batch 1: {results['step_ms']:.1f} ms per token, of which the model's matrix
products, timed shape by shape, take {results['products_ms']:.1f} ms; at the sequential-read speed they would take
{results['weights_mb'] / results['bandwidth_gb_s']:.1f} ms. Under the profiler the operators were busy
{results['busy_share']:.0%} of the wall time, {results['matmul_share']:.0%} of it in matrix products.

{markdown_table(results['products'], ['weight shape', 'layers', 'MB', 'ms per token', 'GB/s'])}

Each configuration generated up to {results['new_tokens']} tokens, greedy, after a warm-up call; the fastest of
{results['repeats']} timed calls counts. Compiled (static cache, `torch.compile`): {compiled}. Decoding tokens/s count
the tokens after the first over the time after it (the first comes from the prompt's pass, timed apart), for llama.cpp
as for PyTorch.

{markdown_table(results['configurations'], COLUMNS)}

{verdicts(results['configurations'])}

Throughput against batch size ({results['sweep_tokens']} tokens per row; batch 32 over batch 1: {ratio}):

{markdown_table(sweep, ['batch size', 'tokens/s', 'latency per sequence (s)', 'memory added'])}

Streaming: the first token after {results['first_token_s']:.2f} s, all of them after {results['total_s']:.2f} s.
<!-- end -->
"""
    return key, text


def write_page(key: str, text: str, page: Path = PAGE) -> None:
    """Put a section on the results page, replacing the section with the same key, or appending it."""
    old = page.read_text() if page.exists() else HEADER
    sections = {match["key"]: match[0] for match in SECTION.finditer(old)}
    sections[key] = text
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(HEADER + "\n" + "\n".join(sections.values()))


def main(argv: list[str] | None = None) -> None:
    """Run the lab notebook with the given parameters and update the results page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="MODEL_NAME: a Hub id, a folder or a .gguf file (default: the workbook's)")
    parser.add_argument("--draft", help="DRAFT_MODEL_NAME: a smaller model (the same tokenizer or another), for assisted decoding")
    parser.add_argument("--new-tokens", type=int, default=128, help="tokens each configuration generates (default 128)")
    parser.add_argument("--sweep-tokens", type=int, default=32, help="tokens per row in the batch sweep (default 32)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per configuration; the fastest counts (default 3)")
    parser.add_argument("--skip-compile", action="store_true", help="leave out the torch.compile rows (COMPILE=())")
    parser.add_argument("--gguf", help="GGUF_FILE: the file llama.cpp runs (default: the default model's own file)")
    parser.add_argument("--page", type=Path, default=PAGE, help=f"the results page (default {PAGE.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        results_file = Path(scratch) / "results.json"
        parameters = {"NEW_TOKENS": args.new_tokens, "SWEEP_TOKENS": args.sweep_tokens, "REPEATS": args.repeats,
                      "RESULTS_FILE": str(results_file), "MODEL_NAME": args.model, "DRAFT_MODEL_NAME": args.draft,
                      "COMPILE": [] if args.skip_compile else list(COMPILED), "GGUF_FILE": args.gguf}
        start = time.perf_counter()
        try:
            papermill.execute_notebook(NOTEBOOK, Path(scratch) / NOTEBOOK.name, parameters=parameters,
                                       cwd=NOTEBOOK.parent, kernel_name="python3", progress_bar=False)
        except papermill.PapermillExecutionError as error:
            sys.exit(f"error: the lab stopped in cell {error.exec_count}: {error.ename}: {error.evalue}")
        results = json.loads(results_file.read_text())
    key, text = section(results, time.perf_counter() - start)
    write_page(key, text, args.page)
    print(f"{args.page}: section '{key}' written")
    print(text)


if __name__ == "__main__":
    main()
