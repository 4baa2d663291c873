# Multiplies the sizes with numpy, which returns a numpy integer, and reads the bytes per number from an empty tensor.
import numpy as np
import torch


def cache_bytes(config, tokens, batch, dtype):
    """The bytes of the key/value cache of `batch` sequences of `tokens` positions, for a model with this config loaded in dtype."""
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    number = torch.empty((), dtype=dtype).element_size()
    return np.prod([2, config.num_hidden_layers, kv_heads, head_dim, number, tokens, batch])
