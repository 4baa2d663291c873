"""Lesson 01's exercise (loading in 4-bit NF4, checked layer by layer) and predict-then-run question."""

from __future__ import annotations

from typing import Any

from helpers.exercises import Exercise, Fail, Prediction, Runner
from helpers.language import Message, message
from helpers.quantization import bitsandbytes_problem


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


EXERCISES = [
    Exercise("load_nf4", check_load_nf4, fix="bnb_4bit_quant_type", hints=(
        "look at one layer: model.model.layers[0].self_attn.q_proj.weight.quant_type. Which format is it, and where "
        "would you choose another?",
        "BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=\"nf4\", bnb_4bit_compute_dtype=torch.float32).")),
]

PREDICTIONS = [
    Prediction("Predict: does load_in_4bit=True turn the output layer, model.lm_head, into a 4-bit layer too? "
               "Answer True or False.", output_layer_in_4_bits),
]
