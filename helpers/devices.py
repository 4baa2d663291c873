"""Choose the device and dtype for the reader's machine: fp32 on CPU (reproducible), bf16 on CUDA."""

from __future__ import annotations

import os

import torch

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def pick_device() -> str:
    """$WORKBOOK_DEVICE if set, else "cuda" when a GPU is visible, else "cpu"."""
    choice = os.environ.get("WORKBOOK_DEVICE")
    if not choice:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"WORKBOOK_DEVICE={choice!r}, but torch sees no CUDA GPU: unset it to use the CPU.")
    if choice.split(":")[0] not in {"cpu", "cuda"}:
        raise ValueError(f"WORKBOOK_DEVICE={choice!r}: use 'cpu', 'cuda' or 'cuda:N'.")
    return choice


def pick_dtype(device: str | None = None) -> torch.dtype:
    """$WORKBOOK_DTYPE if set, else bfloat16 on CUDA and float32 elsewhere."""
    choice = os.environ.get("WORKBOOK_DTYPE")
    if choice:
        if choice not in DTYPES:
            raise ValueError(f"WORKBOOK_DTYPE={choice!r}: use one of {', '.join(DTYPES)}.")
        return DTYPES[choice]
    return torch.bfloat16 if (device or pick_device()).startswith("cuda") else torch.float32
