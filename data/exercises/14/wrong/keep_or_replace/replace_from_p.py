# Keeps the guess with probability min(1, p/q), but replaces it with a draw from p rather than the residual.
import torch


def keep_or_replace(p, q, token, generator):
    """The token to keep at one position of speculative sampling: the draft's, or a replacement, distributed as p."""
    if torch.rand((), generator=generator, device=p.device) < p[token] / q[token]:
        return token
    return int(torch.multinomial(p, 1, generator=generator))
