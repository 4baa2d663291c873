import sys

import torch

from helpers.quantization import agreeing_prefix, bitsandbytes_problem


def test_agreeing_prefix_counts_tokens_before_first_difference():
    assert agreeing_prefix(torch.tensor([1, 2, 3, 4]), torch.tensor([1, 2, 9, 4])) == 2
    assert agreeing_prefix(torch.tensor([1, 2, 3]), torch.tensor([1, 2, 3])) == 3
    assert agreeing_prefix(torch.tensor([5]), torch.tensor([6])) == 0


def test_bitsandbytes_runs_on_cpu():
    assert bitsandbytes_problem("cpu") is None


def test_missing_bitsandbytes_is_reported_with_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "bitsandbytes", None)  # makes `import bitsandbytes` fail
    problem = bitsandbytes_problem("cpu")
    assert "pip install" in problem and "unquantized" in problem
