# mistake: a percentage, not a probability
from math import comb


def pass_at_k(n, c, k):
    return 100 * (1 - comb(n - c, k) / comb(n, k))
