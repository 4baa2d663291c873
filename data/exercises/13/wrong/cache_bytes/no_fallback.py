# Reads num_key_value_heads and head_dim directly: a config without them (GPT-2's) raises AttributeError.
def cache_bytes(config, tokens, batch, dtype):
    """The bytes of the key/value cache of `batch` sequences of `tokens` positions, for a model with this config loaded in dtype."""
    return 2 * config.num_hidden_layers * config.num_key_value_heads * config.head_dim * dtype.itemsize * tokens * batch
