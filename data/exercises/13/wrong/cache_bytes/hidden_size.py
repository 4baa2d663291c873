# Takes key/value heads × head dimension as hidden_size: true of multi-head attention only.
def cache_bytes(config, tokens, batch, dtype):
    """The bytes of the key/value cache of `batch` sequences of `tokens` positions, for a model with this config loaded in dtype."""
    return 2 * config.num_hidden_layers * config.hidden_size * dtype.itemsize * tokens * batch
