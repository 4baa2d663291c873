"""Measure the workbook's performance targets and print a report: `python scripts/benchmark.py [--cold]`.

Targets (issue 2/3): cold set-up <= 4 min, model preparation <= 40 s, warm load <= 5 s, nbval <= 60 s for
notebook 01 and <= 4 min for all notebooks, 4-bit / bf16 footprint ~ 0.41, the pitfall doctor's run time,
and identical outputs from two runs of each notebook.
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


def timed(command: list[str], **kwargs) -> tuple[float, str]:
    """Run a command, fail loudly if it fails, and return (seconds, stdout)."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start, result.stdout


def text_outputs(path: Path) -> list[str]:
    """Every code cell's outputs, images left out, as JSON strings."""
    cells = nbformat.read(path, as_version=4).cells
    strip = lambda o: {k: v for k, v in o.items() if k != "data"} | {"data": {m: d for m, d in o.get("data", {}).items() if not m.startswith("image/")}}
    return [json.dumps([strip(o) for o in c.outputs], sort_keys=True) for c in cells if c.cell_type == "code"]


def main() -> None:
    """Run every measurement and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="also time `make setup` in a fresh virtual environment")
    args = parser.parse_args()
    python, report = sys.executable, {}
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
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in report.items()}, indent=1))


if __name__ == "__main__":
    main()
