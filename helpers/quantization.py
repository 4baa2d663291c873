"""Can bitsandbytes quantize here, make its 4-bit layers compute alike on every CPU, compare with full precision."""

from __future__ import annotations

import logging

import torch

# Library noise that would otherwise fill cells' stderr: on CPUs with AVX512-BF16, importing bitsandbytes logs that it
# cannot fetch a fused kernel from the Hub (the workbook never uses it: see use_reference_cpu_kernel); and every int8
# matmul on float32 inputs logs that it casts them to float16 to quantize them, which is how int8 works anyway.
logging.getLogger("bitsandbytes.backends.cpu.ops").setLevel(logging.ERROR)
logging.getLogger("bitsandbytes.autograd._functions").setLevel(logging.ERROR)


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


def use_reference_cpu_kernel(model: torch.nn.Module) -> int:
    """Keep every 4-bit layer on bitsandbytes' reference CPU kernel, whatever the CPU; return how many layers."""
    try:
        from bitsandbytes.nn import Linear4bit
    except Exception:  # noqa: BLE001 - no bitsandbytes, no 4-bit layers
        return 0
    layers = [module for module in model.modules() if isinstance(module, Linear4bit)]
    for layer in layers:
        # Where this is True (CPUs with AVX512-BF16), the first forward pass repacks the weights for a fused bf16
        # kernel: other rounding, so other tokens, and a crash on layers narrower than one 64-value block.
        layer.support_avx512bf16_for_cpu = False
    return len(layers)


def agreeing_prefix(a: torch.Tensor, b: torch.Tensor) -> int:
    """How many leading tokens two token sequences share before they first differ."""
    n = min(len(a), len(b))
    differ = (a[:n] != b[:n]).nonzero()
    return int(differ[0]) if len(differ) else n
