# Softmax first, then keeps the probabilities at least as large as the k-th and divides by their sum: the same distribution.
def next_token_probabilities(scores, temperature, top_k):
    """The probability generate(do_sample=True, temperature=temperature, top_k=top_k) gives each token at one step,
    from that step's scores (a 1-D tensor); top_k=0 keeps every token."""
    probabilities = (scores / temperature).softmax(-1)
    if top_k > 0:
        kth = probabilities.topk(top_k).values[-1]
        probabilities = probabilities * (probabilities >= kth)
        probabilities = probabilities / probabilities.sum()
    return probabilities
