import torch


def next_token_probabilities(scores, temperature, top_k):
    """The probability generate(do_sample=True, temperature=temperature, top_k=top_k) gives each token at one step,
    from that step's scores (a 1-D tensor); top_k=0 keeps every token."""
    probabilities = (scores * temperature).softmax(-1)
    kept = probabilities.topk(top_k).indices
    masked = torch.zeros_like(probabilities)
    masked[kept] = probabilities[kept]
    return masked
