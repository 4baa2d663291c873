# Counts the keys and forgets the values.
def cache_bytes(config, tokens, batch, dtype):
    """The bytes of the key/value cache of `batch` sequences of `tokens` positions, for a model with this config loaded in dtype."""
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    return config.num_hidden_layers * kv_heads * head_dim * dtype.itemsize * tokens * batch
