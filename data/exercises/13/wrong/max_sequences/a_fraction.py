# Divides without rounding: a fraction of a sequence, not a count.
def max_sequences(bytes_per_token, tokens, memory, weights):
    """How many sequences of `tokens` positions fit in `memory` bytes at once, beside weights of `weights` bytes."""
    return (memory - weights) / (bytes_per_token * tokens)
