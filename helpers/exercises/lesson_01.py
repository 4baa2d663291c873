"""Lesson 01's exercises (loading in 4-bit NF4, checked layer by layer; loading in the least memory, measured) and
predict-then-run question."""

from __future__ import annotations

import warnings
from typing import Any

import torch
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

from helpers.exercises import Exercise, Fail, Prediction, Runner, kind_of
from helpers.generation import greedy
from helpers.language import Message, message
from helpers.quantization import bitsandbytes_problem

MIB = 2**20
TOLERANCE = 1.01  # a footprint within 1 % of the smallest counts as the smallest


def output_layer_in_4_bits(model, tokenizer) -> tuple[Any, str | Message]:
    """Whether the 4-bit model's output layer became a bitsandbytes 4-bit layer."""
    if not getattr(model, "is_loaded_in_4bit", False):
        return None, "it was not loaded in 4 bits here (bitsandbytes cannot quantize on this device)."
    layer = type(model.get_output_embeddings()).__name__
    return layer == "Linear4bit", message(
        "The output layer is a {layer}: transformers leaves it, and any weight tied to it, unquantized, since every "
        "token's scores come from it (get_keys_to_not_convert in transformers/quantizers/base.py).", layer=layer)


def check_load_nf4(call: Runner, model, tokenizer) -> Message:
    """The loaded model's 4-bit layers store NF4 and compute in float32."""
    problem = bitsandbytes_problem("cpu")
    if problem:
        raise Fail("nothing to check here: {problem}", problem=problem)
    loaded = call(model.name_or_path)
    layers = [module for module in getattr(loaded, "modules", list)() if type(module).__name__ == "Linear4bit"]
    if not layers:
        raise Fail("the model {name} returned has no 4-bit layers.", name=call.name)
    formats = sorted({layer.weight.quant_type for layer in layers})
    if formats != ["nf4"]:
        raise Fail("its {count} 4-bit layers store their weights as {formats}, not NF4.", count=len(layers),
                   formats=", ".join(formats))
    computing = sorted({str(layer.compute_dtype).removeprefix("torch.") for layer in layers})
    if computing != ["float32"]:
        raise Fail("its 4-bit layers compute in {dtypes}, not float32.", dtypes=", ".join(computing))
    return message("all {count} 4-bit layers of the model your function loaded store NF4 and compute in float32.",
                   count=len(layers))


REFERENCES: dict[str, tuple[int, int, bool]] = {}
PROMPT = "The capital of France is"


def generation_error(model, tokenizer) -> str | None:
    """Why greedy generation of a few tokens fails on the model ("IndexError: …"), or None when it runs (bitsandbytes
    cannot run a tiny test model's 4-bit layers)."""
    try:
        greedy(model, tokenizer, [PROMPT], max_new_tokens=4)
    except Exception as error:  # noqa: BLE001 (whatever generate raises is the symptom)
        return f"{type(error).__name__}: {error}"
    return None


def reference(model_name: str, tokenizer) -> tuple[int, int, bool]:
    """The model's footprint in float32, and in the least memory bitsandbytes allows on the CPU (4-bit linear layers,
    the rest in 16 bits) with whether that one generates: the check's reference, computed once per model."""
    if model_name not in REFERENCES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = AutoModelForCausalLM.from_pretrained(model_name, device_map="cpu", dtype=torch.float32)
            smallest = AutoModelForCausalLM.from_pretrained(
                model_name, device_map="cpu", dtype=torch.bfloat16,
                quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16))
        REFERENCES[model_name] = (full.get_memory_footprint(), smallest.get_memory_footprint(),
                                  generation_error(smallest, tokenizer) is None)
    return REFERENCES[model_name]


def check_load_smallest(call: Runner, model, tokenizer) -> Message:
    """The loaded model takes no more memory than 4-bit layers with the rest in 16 bits, and generates wherever that
    reference does."""
    problem = bitsandbytes_problem("cpu")
    if problem:
        raise Fail("nothing to check here: {problem}", problem=problem)
    full, smallest, reference_generates = reference(model.name_or_path, tokenizer)
    loaded = call(model.name_or_path)
    if not hasattr(loaded, "get_memory_footprint"):
        raise Fail("{name} returned {kind}, not a model.", name=call.name, kind=kind_of(loaded))
    error = generation_error(loaded, tokenizer) if reference_generates else None
    if error:
        raise Fail("generate on the model your function returned raises {error}", error=error)
    used = loaded.get_memory_footprint()
    sizes = {"mib": f"{used / MIB:.1f}", "share": f"{used / full:.0%}", "full": f"{full / MIB:.1f}"}
    if used > smallest * TOLERANCE:
        raise Fail("your model takes {mib} MiB, {share} of float32's {full} MiB; bitsandbytes can hold this model in "
                   "{least} MiB ({least_share}).", least=f"{smallest / MIB:.1f}", least_share=f"{smallest / full:.0%}",
                   **sizes)
    quantized = sum(type(module).__name__ in ("Linear4bit", "Linear8bitLt") for module in loaded.modules())
    rest = str(loaded.get_input_embeddings().weight.dtype).removeprefix("torch.")
    return message("your model takes {mib} MiB, {share} of float32's {full} MiB: {count} quantized linear layers, and "
                   "the embeddings it keeps unquantized in {dtype}; {generation}", count=quantized, dtype=rest,
                   generation=message("it still generates.") if reference_generates else
                   message("bitsandbytes cannot generate with this model's layers here, so generation was not tried."),
                   **sizes)


EXERCISES = [
    Exercise("load_nf4", check_load_nf4, fix="bnb_4bit_quant_type", hints=(
        "look at one layer: model.model.layers[0].self_attn.q_proj.weight.quant_type. Which format is it, and where "
        "would you choose another?",
        "BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=\"nf4\", bnb_4bit_compute_dtype=torch.float32).")),
    Exercise("load_smallest", check_load_smallest, fix="dtype=torch.bfloat16", hints=(
        "list the parameters left unquantized, with their sizes: {{name: (p.dtype, p.numel()) for name, p in "
        "model.named_parameters() if p.dtype != torch.uint8}}. Which is largest, and what decided its dtype?",
        "bitsandbytes quantizes only the linear layers; dtype= decides the rest: load with dtype=torch.bfloat16 "
        "(and bnb_4bit_compute_dtype=torch.bfloat16).")),
]

PREDICTIONS = [
    Prediction("Predict: does load_in_4bit=True turn the output layer, model.lm_head, into a 4-bit layer too? "
               "Answer True or False.", output_layer_in_4_bits),
]
