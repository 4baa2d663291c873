"""Measure the workbook's performance targets and print a report: `python scripts/benchmark.py [--cold] [--widgets]`.

Targets (issue 2/3): cold set-up <= 4 min, model preparation <= 40 s, warm load <= 5 s, nbval <= 60 s for
notebook 01 and <= 4 min for all notebooks, 4-bit / bf16 footprint ~ 0.41, the pitfall doctor's run time,
identical outputs from two runs of each notebook, and the widgets' latency (issue 8): the sampling playground's
slider-to-redraw time (goal < 0.5 s) and the streaming chat's time to first token, on the default model.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
WARM_LOAD = """
import time, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from helpers.models import resolve_model
start = time.perf_counter()
model_dir = resolve_model()
AutoTokenizer.from_pretrained(model_dir)
AutoModelForCausalLM.from_pretrained(model_dir)
print(time.perf_counter() - start)
"""
FOOTPRINT = """
import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig
from helpers.models import resolve_model
model_dir = resolve_model()
bf16 = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16).get_memory_footprint()
nf4 = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, device_map="cpu",
    quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4")).get_memory_footprint()
print(nf4 / bf16)
"""

WIDGET_LATENCY = """
import io, json, statistics, time
from contextlib import redirect_stdout
from transformers import AutoModelForCausalLM, AutoTokenizer
from helpers.explorers.lesson_04 import sampling_playground
from helpers.explorers.lesson_09 import streaming_chat
from helpers.models import resolve_model
model_dir = resolve_model()
tokenizer, model = AutoTokenizer.from_pretrained(model_dir), AutoModelForCausalLM.from_pretrained(model_dir)
with redirect_stdout(io.StringIO()):
    playground, chat = sampling_playground(model, tokenizer), streaming_chat(model, tokenizer)
redraws = []
for value in [0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 0.8, 0.6, 1.2, 1.0]:  # each move also restarts the sampled continuation
    before, start = playground.output.outputs, time.perf_counter()
    playground.controls["temperature"].value = value
    assert playground.output.outputs is not before, "the distribution was not redrawn"
    redraws.append(time.perf_counter() - start)
    time.sleep(0.3)
playground.runner.wait()
first_tokens = []
for _ in range(5):
    chat.controls["clear"].click()
    start = time.perf_counter()
    chat.controls["send"].click()
    while not chat.output.outputs:
        time.sleep(0.002)
    first_tokens.append(time.perf_counter() - start)
    chat.runner.wait()
print(json.dumps({"widget_redraw_median_s": statistics.median(redraws), "widget_redraw_max_s": max(redraws),
                  "streaming_first_token_median_s": statistics.median(first_tokens)}))
"""


def timed(command: list[str], **kwargs) -> tuple[float, str]:
    """Run a command, fail loudly if it fails, and return (seconds, stdout)."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start, result.stdout


def text_outputs(path: Path) -> list[str]:
    """Every checked code cell's outputs (not timings: NBVAL_IGNORE_OUTPUT), images left out, as JSON strings."""
    cells = nbformat.read(path, as_version=4).cells
    def kept(mime):
        return not mime.startswith("image/") and mime != "application/vnd.jupyter.widget-view+json"  # random ids
    def strip(o):
        return {k: v for k, v in o.items() if k != "data"} | {"data": {m: d for m, d in o.get("data", {}).items() if kept(m)}}
    checked = [c for c in cells if c.cell_type == "code" and "NBVAL_IGNORE_OUTPUT" not in c.source]
    return [json.dumps([strip(o) for o in c.outputs], sort_keys=True) for c in checked]


def main() -> None:
    """Run every measurement and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="also time `make setup` in a fresh virtual environment")
    parser.add_argument("--widgets", action="store_true", help="measure only the widgets' latency")
    args = parser.parse_args()
    python, report = sys.executable, {}
    if args.widgets:
        return print(json.dumps(json.loads(timed([python, "-c", WIDGET_LATENCY])[1]), indent=1))
    with tempfile.TemporaryDirectory() as scratch:
        if args.cold:
            report["cold_setup_s"], _ = timed(["make", "setup", f"VENV={scratch}/venv"])
        env = os.environ | {"WORKBOOK_CACHE": f"{scratch}/cache"}
        env.pop("WORKBOOK_MODEL", None)
        report["model_preparation_s"], _ = timed([python, "-m", "helpers.models"], env=env)
        report["warm_load_s"] = float(timed([python, "-c", WARM_LOAD])[1])
        report["warm_load_process_s"], _ = timed([python, "-c", WARM_LOAD])
        report["footprint_4bit_over_bf16"] = round(float(timed([python, "-c", FOOTPRINT])[1]), 3)
        report["pitfall_doctor_s"], _ = timed([python, "-m", "helpers.pitfalls"])
        report["nbval_s"] = {}
        for notebook in NOTEBOOKS:
            seconds, _ = timed([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env", str(notebook)])
            report["nbval_s"][notebook.stem] = round(seconds, 1)
        report["nbval_total_s"] = round(sum(report["nbval_s"].values()), 1)
        report["identical_reruns"] = {}
        for notebook in NOTEBOOKS:
            runs = []
            for attempt in range(2):
                copy = Path(scratch) / f"{attempt}-{notebook.name}"
                copy.write_bytes(notebook.read_bytes())
                timed([python, "scripts/execute_notebooks.py", str(copy)])
                runs.append(text_outputs(copy))
            report["identical_reruns"][notebook.stem] = runs[0] == runs[1]
    report |= json.loads(timed([python, "-c", WIDGET_LATENCY])[1])
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in report.items()}, indent=1))


if __name__ == "__main__":
    main()
