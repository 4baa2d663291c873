"""Can bitsandbytes quantize here, and how far does a quantized model agree with full precision."""

from __future__ import annotations

import torch


def bitsandbytes_problem(device: str) -> str | None:
    """Why bitsandbytes cannot quantize to 4 bits on this device, or None when it can."""
    try:
        import bitsandbytes as bnb
    except Exception as error:  # noqa: BLE001 - a broken install fails in many ways
        return f"bitsandbytes is not usable here ({error}): `pip install 'bitsandbytes>=0.47'`. Continuing unquantized."
    try:
        weight = torch.randn(64, 64, device=device)
        packed, state = bnb.functional.quantize_4bit(weight)
        bnb.functional.dequantize_4bit(packed, state)
    except Exception as error:  # noqa: BLE001
        return f"bitsandbytes {bnb.__version__} cannot quantize on {device} ({error}). Continuing unquantized."
    return None


def agreeing_prefix(a: torch.Tensor, b: torch.Tensor) -> int:
    """How many leading tokens two token sequences share before they first differ."""
    n = min(len(a), len(b))
    differ = (a[:n] != b[:n]).nonzero()
    return int(differ[0]) if len(differ) else n
