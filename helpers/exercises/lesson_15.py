"""Lesson 15's exercises (each one's check and hints) and predict-then-run question (their code is in data/exercises/15/)."""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np
import torch

from helpers.exercises import Exercise, Fail, Prediction, Runner, kind_of
from helpers.language import Message, message
from helpers.quantization import linear_layers, studied_layer

BLOCK, BLOCK_BYTES = 32, 20  # a Q4_1 block: 32 weights in 20 bytes
BITS = (2, 3, 4, 8)
GROUPS = (16, 32, 64, 128, 256)
BUDGETS = (3.0, 4.5, 5.0, 6.0, 9.0)  # bits per weight; 4.5, 5.0 and 6.0 are some settings' exact cost
TOO_SMALL = 2.0  # below every setting's cost: 2 bits in groups of 256 take 2.125


def studied_weight(model) -> torch.Tensor:
    """The weights of the layer lesson 15 studies, in float32 on the CPU."""
    linears = linear_layers(model)
    return linears[studied_layer(linears)].weight.detach().float().cpu()


def zero_point(weight: torch.Tensor, bits: int, group: int) -> torch.Tensor:
    """Lesson 15's zero-point recipe: each group of `group` consecutive weights on 2^bits levels from its minimum to its
    maximum, dequantized (a group whose weights are all equal comes back as it is)."""
    groups = weight.reshape(-1, group)
    low, high = groups.amin(dim=1, keepdim=True), groups.amax(dim=1, keepdim=True)
    scale = (high - low) / (2**bits - 1)
    q = torch.round((groups - low) / torch.where(scale > 0, scale, 1)).clamp(0, 2**bits - 1)
    return (scale * q + low).reshape(weight.shape)


def relative_error(quantized: torch.Tensor, weight: torch.Tensor) -> float:
    return float((quantized - weight).norm() / weight.norm())


@functools.cache
def shipped_blocks() -> np.ndarray:
    """Every 7th block of the first 4 rows of the shipped file's blk.0.ffn_down, decoded: weights on Q4_1's grid."""
    import gguf

    from helpers.models import default_gguf

    tensor = next(t for t in gguf.GGUFReader(default_gguf()).tensors if t.name == "blk.0.ffn_down.weight")
    return gguf.dequantize(tensor.data[:4], tensor.tensor_type).reshape(-1, BLOCK)[::7]


def blocks_to_encode() -> list[tuple[Message, np.ndarray]]:
    """Blocks of 32 float32 weights that tell Q4_1 encoders apart: blocks of the shipped file's weights (on Q4_1's grid
    already), of normal numbers, all positive (as norms' weights are), all negative, and all equal."""
    shipped = shipped_blocks()
    generator = np.random.default_rng(0)
    cases = [(message("block {index} of the shipped file's blk.0.ffn_down", index=7 * i), block)
             for i, block in enumerate(shipped)]  # the first cases: check_q4_1_block knows them by their number
    cases += [(message("a block of normal numbers (seed {seed})", seed=seed), np.random.default_rng(seed).normal(0, 0.05, BLOCK))
              for seed in range(4)]
    cases += [(message("a block of weights between 0.5 and 1"), generator.uniform(0.5, 1.0, BLOCK)),
              (message("a block of weights between -3 and -2"), generator.uniform(-3.0, -2.0, BLOCK)),
              (message("a block whose 32 weights are all 0.25"), np.full(BLOCK, 0.25))]
    return [(what, block.astype(np.float32)) for what, block in cases]


def block_bytes(value: Any, name: str) -> np.ndarray:
    """An answer as the 20 bytes of a block, or Fail with what it is instead."""
    if isinstance(value, np.ndarray) and value.dtype == np.uint8:
        data = value.reshape(-1)
    elif isinstance(value, torch.Tensor) and value.dtype == torch.uint8:
        data = value.reshape(-1).cpu().numpy()
    elif isinstance(value, bytes | bytearray | memoryview):
        data = np.frombuffer(bytes(value), dtype=np.uint8)
    else:
        raise Fail("{name} returned {kind}; a Q4_1 block is 20 bytes (bytes, or a numpy array of uint8).", name=name,
                   kind=kind_of(value))
    if data.size != BLOCK_BYTES:
        raise Fail("{name} returned {count} bytes; a Q4_1 block is 20 bytes.", name=name, count=data.size)
    return data


def check_q4_1_block(call: Runner, model, tokenizer) -> Message:
    """The answer's bytes, decoded by the gguf package as llama.cpp decodes them, give back every weight of each block
    within half a step of the block's 16 levels (with float16's rounding of the scale and the minimum), and the shipped
    file's blocks, already on Q4_1's grid, exactly."""
    import gguf

    cases = blocks_to_encode()
    for index, (what, values) in enumerate(cases):
        data = block_bytes(call(values.copy()), call.name)
        decoded = gguf.dequantize(data.reshape(1, BLOCK_BYTES), gguf.GGMLQuantizationType.Q4_1).reshape(-1)
        if index < len(shipped_blocks()) and not np.array_equal(decoded, values):
            wrong = int(np.flatnonzero(decoded != values)[0])
            raise Fail("for {what}, whose weights a Q4_1 block already holds exactly: weight {index} is {value:.6g}, and "
                       "your 20 bytes decode it (gguf.dequantize) as {got:.6g}; {count} of the 32 weights do not come "
                       "back as they were.", what=what, index=wrong, value=float(values[wrong]), got=float(decoded[wrong]),
                       count=int((decoded != values).sum()))
        low, high = float(values.min()), float(values.max())
        step = (high - low) / 15
        tolerance = step / 2 + 2.0**-10 * (15 * step + abs(low)) + 1e-12  # float16 keeps 11 bits of d and m
        errors = np.abs(decoded.astype(np.float64) - values)
        worst = int(np.nan_to_num(errors, nan=np.inf).argmax())
        if not errors[worst] <= tolerance:
            raise Fail("for {what}: weight {index} is {value:.6g}, and your 20 bytes decode it (gguf.dequantize) as "
                       "{got:.6g}, {off:.3g} steps away, where 16 levels from the block's smallest weight ({low:.6g}) to "
                       "its largest ({high:.6g}) bring every weight within half a step.", what=what, index=worst,
                       value=float(values[worst]), got=float(decoded[worst]),
                       off=float(errors[worst] / step) if step else float("inf"), low=low, high=high)
    return message("llama.cpp's decoder gives back every weight of {count} blocks (normal numbers, all positive, all "
                   "negative, all equal) within half a step of its block's 16 levels, and the shipped file's exactly.",
                   count=len(cases))


def matrices(model) -> list[tuple[Message, torch.Tensor]]:
    """Weight matrices whose best settings differ: this model's own layer, normal numbers, heavy-tailed numbers (normal
    divided by the root of a chi-square with 3 degrees of freedom: Student's t, whose outliers small groups contain), and
    numbers in two clusters, near -1 and 1 (where the largest or the mean absolute error would choose otherwise)."""
    weight = studied_weight(model)
    weight = weight.reshape(-1, 256)[:384].reshape(-1, 1024) if weight.numel() >= 384 * 256 else weight.reshape(-1, 256)
    generator = torch.Generator().manual_seed(0)
    normal = torch.randn(96, 1024, generator=generator)
    chi = torch.randn(3, 96, 1024, generator=generator).pow(2).sum(0)
    clusters = torch.where(torch.rand(96, 1024, generator=generator) < 0.5, -1.0, 1.0) + 0.05 * normal
    return [(message("this notebook's model's layer"), weight), (message("normal numbers"), normal),
            (message("heavy-tailed numbers (Student's t)"), normal / (chi / 3).sqrt()),
            (message("numbers in two clusters, near -1 and 1"), clusters)]


def cost(bits: int, group: int) -> float:
    return bits + 32 / group


def check_best_setting(call: Runner, model, tokenizer) -> Message:
    """Against every budget, the answer fits and errs no more than the best setting that fits; a budget that nothing
    fits is refused with ValueError."""
    cases = matrices(model)
    for what, weight in cases:
        errors = {(bits, group): relative_error(zero_point(weight, bits, group), weight) for bits in BITS for group in GROUPS}
        for budget in BUDGETS:
            got = call(weight.clone(), budget, zero_point)
            if (not isinstance(got, tuple | list) or len(got) != 2 or
                    not all(isinstance(part, numbers.Integral) and not isinstance(part, bool) for part in got)):
                raise Fail("{name} returned {kind}; it should return a (bits, group) pair of ints.", name=call.name,
                           kind=kind_of(got))
            bits, group = (int(part) for part in got)
            if (bits, group) not in errors:
                raise Fail("for {what} and a budget of {budget:g} bits per weight, you choose {bits} bits in groups of "
                           "{group}: not a setting of BITS and GROUPS.", what=what, budget=budget, bits=bits, group=group)
            if cost(bits, group) > budget:
                raise Fail("for {what} and a budget of {budget:g} bits per weight, you choose {bits} bits in groups of "
                           "{group}: with its two float16 constants per group that is {cost:.4g} bits per weight, over the "
                           "budget.", what=what, budget=budget, bits=bits, group=group, cost=cost(bits, group))
            fitting = {setting: error for setting, error in errors.items() if cost(*setting) <= budget}
            best = min(fitting, key=fitting.get)
            if errors[(bits, group)] > fitting[best] * (1 + 1e-6) + 1e-12:
                raise Fail("for {what} and a budget of {budget:g} bits per weight, you choose {bits} bits in groups of "
                           "{group} ({cost:.4g} bits per weight, error {error:.2%}), but {best_bits} bits in groups of "
                           "{best_group} fits the budget too ({best_cost:.4g}) and errs {best_error:.2%}.", what=what,
                           budget=budget, bits=bits, group=group, cost=cost(bits, group), error=errors[(bits, group)],
                           best_bits=best[0], best_group=best[1], best_cost=cost(*best), best_error=fitting[best])
    try:
        got = call.function(cases[1][1], TOO_SMALL, zero_point)
    except ValueError:
        pass
    except Exception as error:  # noqa: BLE001 - the learner's code may raise anything
        raise Fail("for a budget of {budget:g} bits per weight, which no setting fits, {name} raised {error}: a caller "
                   "catching a bad budget's ValueError would not catch it.", budget=TOO_SMALL, name=call.name,
                   error=type(error).__name__) from None
    else:
        raise Fail("for a budget of {budget:g} bits per weight, which no setting fits (the cheapest takes {cheapest:g}), "
                   "{name} returned {got!r}, and the caller goes on as if it fitted.", budget=TOO_SMALL, name=call.name,
                   cheapest=cost(BITS[0], GROUPS[-1]), got=got)
    return message("for {count} budgets on four matrices (this model's layer, normal, heavy-tailed and clustered numbers), "
                   "each choice fits and errs least, and a budget nothing fits is refused.", count=len(BUDGETS))


EXERCISES = [
    Exercise("q4_1_block", check_q4_1_block, fix="q[:16] | (q[16:] << 4)", hints=(
        "decode your bytes with the lesson's by-hand cell (or gguf.dequantize) and compare weight by weight: which "
        "weights come back wrong, and in what pattern? Then try a block whose weights are all positive.",
        "d = (max − min) ÷ 15 and m = min, each as np.float16(...).tobytes(); q = round((w − m) ÷ d) from 0 to 15 (all 0 "
        "when d is 0); byte j holds q[j] in its low 4 bits and q[j + 16] in its high 4 bits.")),
    Exercise("best_setting", check_best_setting, fix="bits + 32 / group <= budget", hints=(
        "work out the bits per weight of your choice with its constants: bits for the weight, and two float16 numbers "
        "(32 bits) shared by each group. Then measure the error of every setting that fits: is yours the smallest?",
        "keep the settings whose bits + 32 / group <= budget; among them return the one with the smallest "
        "relative_error(quantize(weight, bits, group), weight); raise ValueError when none fits.")),
]


def requantized_unchanged(model, tokenizer) -> tuple[Any, str | Message]:
    """Whether the zero-point recipe at 4 bits in groups of 32 gives the studied layer's weights back exactly."""
    weight = studied_weight(model)
    if weight.numel() % BLOCK:
        return None, message("this model's layer has a number of weights that groups of 32 do not divide.")
    changed = float((zero_point(weight, 4, BLOCK) != weight).double().mean())
    if changed == 0:
        return True, message("The weights were made by this very recipe: the default model ships as a Q4_1 file, so each "
                             "group of 32 already sits on 16 evenly spaced levels from its minimum to its maximum, and "
                             "quantizing again finds the same levels.")
    return False, message("Each group's 16 levels, from its minimum to its maximum, are new to these weights, so weights "
                          "move to the nearest level: {share:.1%} of them changed.", share=changed)


PREDICTIONS = [
    Prediction("Predict: the float32 weights of the layer this notebook studies are quantized with the zero-point "
               "recipe at 4 bits in groups of 32 (Q4_1's), then dequantized. Does every weight come back exactly as it "
               "was? Answer True or False.", requantized_unchanged),
]
