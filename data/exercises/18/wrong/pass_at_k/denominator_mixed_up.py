# mistake: the ways to choose the c right ones as the denominator
from math import comb


def pass_at_k(n, c, k):
    return 1 - comb(n - c, k) / comb(n, c)
