"""bitsandbytes takes one of two 4-bit CPU paths depending on AVX512-BF16: both are exercised here, on any CPU.

Each test runs in a subprocess whose has_avx512bf16 is forced (tests/cpu_path/sitecustomize.py), so CI fails
when either path breaks, whichever CPU it runs on. Notebook 01 is also checked as an AVX2-only laptop runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("bitsandbytes")
pytestmark = pytest.mark.slow  # subprocesses that load bitsandbytes and models

HOOK = Path(__file__).parent / "cpu_path"
NOTEBOOK_01 = Path(__file__).resolve().parents[1] / "notebooks" / "01_loading_a_quantized_model.ipynb"
GENERATE = """
import json, sys, torch
from helpers.quantization import use_reference_cpu_kernel  # first, as in notebook 01: it quiets bitsandbytes' import
import bitsandbytes as bnb
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
model_dir = sys.argv[1]
tokenizer = AutoTokenizer.from_pretrained(model_dir)
inputs = tokenizer(["A list of colors: red,", "Portugal is"])

def tokens(quant_type, fix):
    model = AutoModelForCausalLM.from_pretrained(model_dir, device_map="cpu", dtype=torch.bfloat16,
        quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=quant_type,
                                               bnb_4bit_compute_dtype=torch.bfloat16))
    layers = use_reference_cpu_kernel(model) if fix else 0
    try:
        return {"layers": layers, "tokens": [model.generate(input_ids=ids[None], max_new_tokens=12, do_sample=False,
                pad_token_id=0)[0].tolist() for ids in map(torch.tensor, inputs["input_ids"])]}
    except RuntimeError as error:
        return {"layers": layers, "error": str(error)}

print(json.dumps({"avx512bf16": bnb.functional.has_avx512bf16(), "nf4": tokens("nf4", True),
                  "fp4": tokens("fp4", True), "unfixed": tokens("nf4", False)}))
"""


def forced(avx512bf16: bool, command: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run a command with bitsandbytes believing the CPU has (or lacks) AVX512-BF16, with more variables if given."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"} | env | {
        "WORKBOOK_TEST_AVX512BF16": str(int(avx512bf16)),
        "PYTHONPATH": os.pathsep.join([str(HOOK), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=NOTEBOOK_01.parents[1])


@pytest.fixture(scope="module")
def paths(tiny_llama) -> dict[bool, dict]:
    """For each forced answer (False, True): nf4 and fp4 tokens with use_reference_cpu_kernel, and nf4 without it."""
    runs = {flag: forced(flag, [sys.executable, "-c", GENERATE, str(tiny_llama)]) for flag in (False, True)}
    for flag, run in runs.items():
        assert run.returncode == 0, f"avx512bf16={flag}: {run.stderr[-2000:]}"
        assert "kernels-community" not in run.stderr, "bitsandbytes' kernel-download warning leaks into the output"
    return {flag: json.loads(run.stdout) for flag, run in runs.items()}


def test_forcing_reaches_the_fused_path_and_its_known_crash(paths):
    """Proves the switch works: unfixed, the forced AVX512-BF16 path crashes on a 32-wide layer (README, known issues)."""
    assert paths[True]["avx512bf16"] is True and paths[False]["avx512bf16"] is False
    assert "is invalid for input of size" in paths[True]["unfixed"].get("error", ""), paths[True]["unfixed"]
    assert "tokens" in paths[False]["unfixed"]


@pytest.mark.parametrize("quant_type", ["nf4", "fp4"])
def test_reference_kernel_gives_the_same_tokens_on_both_paths(paths, quant_type):
    fixed = {flag: paths[flag][quant_type] for flag in (False, True)}
    assert fixed[True]["layers"] == fixed[False]["layers"] > 0
    assert fixed[True]["tokens"] == fixed[False]["tokens"]


# A laptop without AVX-512 (most have AVX2 only): torch, MKL and oneDNN limited to AVX2 instructions.
AVX2_LAPTOP = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"}


@pytest.mark.notebook
def test_notebook_01_stored_outputs_hold_on_the_other_branch_and_an_avx2_cpu():
    """nbval of notebook 01 where bitsandbytes takes the branch this CPU does not, with torch, MKL and oneDNN limited
    to AVX2 as on a laptop: one run (27 s) checks both, since either change alone would show in the outputs."""
    import bitsandbytes as bnb

    run = forced(not bnb.functional.has_avx512bf16(), [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "--nbval", "--nbval-current-env", str(NOTEBOOK_01)], **AVX2_LAPTOP)
    assert run.returncode == 0, run.stdout[-4000:]
