# mistake: the binomials written with factorials, which fail when k is more than the wrong samples
from math import factorial


def pass_at_k(n, c, k):
    wrong_draws = factorial(n - c) / (factorial(k) * factorial(n - c - k))
    return 1 - wrong_draws / (factorial(n) / (factorial(k) * factorial(n - k)))
