import torch


def keep_or_replace(p, q, token, generator):
    """The token to keep at one position of speculative sampling: the draft's, or a replacement, distributed as p."""
    if torch.rand((), generator=generator, device=p.device) < p[token] / q[token]:  # min(1, p/q)
        return token
    residual = (p - q).clamp(min=0)  # what the kept guesses leave of p
    return int(torch.multinomial(residual / residual.sum(), 1, generator=generator))
