# mistake: k chances at c / n added up, capped at 1
def pass_at_k(n, c, k):
    return min(1.0, k * c / n)
