# Floors with numpy, which returns a numpy integer, and clips at zero.
import numpy as np


def max_sequences(bytes_per_token, tokens, memory, weights):
    """How many sequences of `tokens` positions fit in `memory` bytes at once, beside weights of `weights` bytes."""
    return np.maximum(np.int64(0), np.floor_divide(np.int64(memory - weights), np.int64(bytes_per_token * tokens)))
