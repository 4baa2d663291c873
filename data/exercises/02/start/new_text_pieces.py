def new_text_pieces(tokenizer, ids):
    """For each id, in the order they arrive: the text that can be printed when it arrives ("" if none)."""
    return [tokenizer.decode([token]) for token in ids]
