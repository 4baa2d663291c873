# mistake: exactly one right sample among the k
from math import comb


def pass_at_k(n, c, k):
    return c * comb(n - c, k - 1) / comb(n, k)
