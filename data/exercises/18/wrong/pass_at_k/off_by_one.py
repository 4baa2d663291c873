# mistake: the product of the chances of drawing wrong samples, one draw too many
def pass_at_k(n, c, k):
    none_right = 1.0
    for i in range(k + 1):
        none_right *= max(0, n - c - i) / (n - i) if n - i > 0 else 0
    return 1 - none_right
