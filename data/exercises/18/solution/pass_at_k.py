from math import comb


def pass_at_k(n, c, k):
    """The probability that k of the n samples, c of them right, chosen at random hold at least one right sample."""
    return 1 - comb(n - c, k) / comb(n, k)  # one minus the share of draws among the wrong samples only (0 if k > n - c)
