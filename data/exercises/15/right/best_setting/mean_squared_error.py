# Ranks by mean squared error, which orders settings as the relative error does on one matrix.
import torch

BITS = (2, 3, 4, 8)
GROUPS = (16, 32, 64, 128, 256)


def best_setting(weight, budget, quantize):
    """The (bits, group) of BITS and GROUPS whose quantize(weight, bits, group) errs least, relative to the weight,
    among those whose bits per weight, with two float16 constants per group, fit the budget; ValueError if none fits."""
    best = None
    for bits in BITS:
        for group in GROUPS:
            if bits + 32 / group > budget:
                continue
            error = torch.mean((quantize(weight, bits, group) - weight) ** 2).item()
            if best is None or error < best[0]:
                best = (error, bits, group)
    if best is None:
        raise ValueError("no setting fits the budget")
    return best[1], best[2]
