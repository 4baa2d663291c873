# Counts each sequence as one token's cache.
def max_sequences(bytes_per_token, tokens, memory, weights):
    """How many sequences of `tokens` positions fit in `memory` bytes at once, beside weights of `weights` bytes."""
    return max(0, (memory - weights) // bytes_per_token)
