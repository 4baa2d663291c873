# Draws the keep-or-not with torch.bernoulli and hands multinomial the residual unnormalised (it normalises).
import torch


def keep_or_replace(p, q, token, generator):
    """The token to keep at one position of speculative sampling: the draft's, or a replacement, distributed as p."""
    keep = torch.bernoulli(torch.clamp(p[token] / q[token], max=1.0), generator=generator)
    if keep:
        return token
    return int(torch.multinomial(torch.clamp(p - q, min=0), 1, generator=generator))
