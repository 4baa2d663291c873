def next_token_probabilities(scores, temperature, top_k):
    """The probability generate(do_sample=True, temperature=temperature, top_k=top_k) gives each token at one step,
    from that step's scores (a 1-D tensor); top_k=0 keeps every token."""
    scores = scores / temperature  # below 1 sharpens the distribution, above 1 flattens it
    if top_k > 0:
        kth = scores.topk(min(top_k, scores.numel())).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))  # a tie with the k-th score stays, as in generate
    return scores.softmax(-1)
