"""Lesson 07's predict-then-run question (the lesson has no coding exercise)."""

from __future__ import annotations

from typing import Any

import torch

from helpers.exercises import Prediction


def roofline_in_bfloat16(model, tokenizer) -> tuple[Any, str]:
    """How the batch-1 roofline changes when the same weights are stored in bfloat16 instead of their own dtype."""
    parameters = sum(p.numel() for p in model.parameters())
    now = sum(p.numel() * p.element_size() for p in model.parameters())
    ratio = now / (parameters * torch.tensor([], dtype=torch.bfloat16).element_size())
    outcome = {0.5: "half", 1.0: "the same", 2.0: "double"}.get(round(ratio, 1), f"{ratio:.1f} times")
    return outcome, (f"The roofline is bandwidth divided by the bytes each token reads: {now / 1e6:.0f} MB now, "
                     f"{now / ratio / 1e6:.0f} MB in bfloat16. Whether a CPU reaches the higher roofline is another "
                     "matter: the table shows how close each variant comes.")


PREDICTIONS = [
    Prediction("Predict: stored in bfloat16 instead of float32, the same weights would make the batch-1 roofline "
               "'half', 'the same' or 'double'? Answer with one of those strings.", roofline_in_bfloat16),
]
