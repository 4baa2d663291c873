# Divides in floats and truncates, with no sequences where the weights leave no room.
def max_sequences(bytes_per_token, tokens, memory, weights):
    """How many sequences of `tokens` positions fit in `memory` bytes at once, beside weights of `weights` bytes."""
    free = memory - weights
    return int(free / (bytes_per_token * tokens)) if free > 0 else 0
