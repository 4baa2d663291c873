# mistake: whether any sample is right, whatever k
def pass_at_k(n, c, k):
    return 1.0 if c > 0 else 0.0
