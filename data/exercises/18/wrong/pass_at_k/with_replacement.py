# mistake: samples drawn with replacement, as if each were a fresh one with probability c / n
def pass_at_k(n, c, k):
    return 1 - (1 - c / n) ** k
