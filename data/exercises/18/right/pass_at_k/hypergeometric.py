# right: the hypergeometric probabilities of 1 to k right samples, added up exactly
from fractions import Fraction
from math import comb


def pass_at_k(n, c, k):
    return sum(Fraction(comb(c, j) * comb(n - c, k - j), comb(n, k)) for j in range(1, k + 1))
