# Decodes all the ids so far and prints the new part, but prints a trailing half character ('\ufffd') instead of holding it back.
def new_text_pieces(tokenizer, ids):
    """For each id, in the order they arrive: the text that can be printed when it arrives ("" if none)."""
    pieces, printed = [], ""
    for end in range(1, len(ids) + 1):
        text = tokenizer.decode(ids[:end])
        pieces.append(text[len(printed):])
        printed = text
    return pieces
