# Measures every setting once, then walks them from the smallest error to the first that fits.
BITS = (2, 3, 4, 8)
GROUPS = (16, 32, 64, 128, 256)


def best_setting(weight, budget, quantize):
    """The (bits, group) of BITS and GROUPS whose quantize(weight, bits, group) errs least, relative to the weight,
    among those whose bits per weight, with two float16 constants per group, fit the budget; ValueError if none fits."""
    errors = sorted((float((quantize(weight, bits, group) - weight).norm() / weight.norm()), bits, group)
                    for bits in BITS for group in GROUPS)
    for _, bits, group in errors:
        if bits * group + 32 <= budget * group:
            return bits, group
    raise ValueError(f"no setting fits {budget} bits per weight")
