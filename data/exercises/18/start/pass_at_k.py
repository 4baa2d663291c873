def pass_at_k(n, c, k):
    """The probability that k of the n samples, c of them right, chosen at random hold at least one right sample."""
    return c / n
