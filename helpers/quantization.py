"""Can bitsandbytes and torchao quantize here, make 4-bit layers compute alike on every CPU, compare with full precision,
and which layers a quantization recipe changes."""

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


def torchao_problem(device: str) -> str | None:
    """Why torchao cannot quantize weights for this device here, or None when it can."""
    try:
        import torchao
    except Exception as error:  # noqa: BLE001 - a broken install fails in many ways
        return f"torchao rows skipped: torchao is not usable here ({error}): `pip install 'torchao>=0.18'`."
    if torch.device(device).type not in ("cpu", "cuda"):
        return f"torchao rows skipped: torchao {torchao.__version__}'s weight-only kernels run on a CPU or a CUDA GPU, not {device}."
    return None


def untie_output_layer(model: torch.nn.Module) -> torch.nn.Module:
    """Give the output layer its own copy of a weight it shares with the embedding table, so that quantizing the
    linear layers quantizes it too while token lookups keep the table as it is; returns the model."""
    output, table = model.get_output_embeddings(), model.get_input_embeddings()
    if output is not None and output.weight is table.weight:
        output.weight = torch.nn.Parameter(table.weight.detach().clone(), requires_grad=False)
    return model


def linear_layers(model: torch.nn.Module) -> dict[str, torch.nn.Module]:
    """The model's linear layers by name (GPT-2's Conv1D among them), but its output layer, which bitsandbytes too
    leaves unquantized."""
    from transformers.pytorch_utils import Conv1D

    output = model.get_output_embeddings()
    return {name: module for name, module in model.named_modules()
            if isinstance(module, (torch.nn.Linear, Conv1D)) and module is not output}


def studied_layer(linears: dict[str, torch.nn.Module]) -> str:
    """The layer lesson 15 studies: the first layer's down-projection (the GGUF file's blk.0.ffn_down) where the model
    has one, else its first linear layer."""
    return "model.layers.0.mlp.down_proj" if "model.layers.0.mlp.down_proj" in linears else next(iter(linears))


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


def top1_agreement(model: torch.nn.Module, inputs: dict[str, torch.Tensor], reference: torch.Tensor) -> float:
    """Fed a prompt and a reference continuation in one pass, the share of the continuation's tokens that the model
    would itself pick next at each position (greedy): how close it stays even where its own text takes another turn."""
    ids = torch.cat([inputs["input_ids"][0], reference.to(inputs["input_ids"].device)]).unsqueeze(0)
    with torch.inference_mode():
        logits = model(ids).logits[0, inputs["input_ids"].shape[1] - 1 : -1]
    return (logits.argmax(-1) == ids[0, inputs["input_ids"].shape[1]:]).float().mean().item()
