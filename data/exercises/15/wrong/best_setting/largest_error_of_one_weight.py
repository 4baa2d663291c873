# Ranks the settings by their largest error on one weight, not by the relative error over the matrix.
BITS = (2, 3, 4, 8)
GROUPS = (16, 32, 64, 128, 256)


def best_setting(weight, budget, quantize):
    """The (bits, group) of BITS and GROUPS whose quantize(weight, bits, group) errs least, relative to the weight,
    among those whose bits per weight, with two float16 constants per group, fit the budget; ValueError if none fits."""
    fits = [(bits, group) for bits in BITS for group in GROUPS if bits + 32 / group <= budget]
    fits = [(bits, group) for bits in BITS for group in GROUPS if bits + 32 / group <= budget]
    if not fits:
        raise ValueError(f"no setting fits {budget} bits per weight")
    return min(fits, key=lambda setting: float((quantize(weight, *setting) - weight).abs().max()))
