# Holds the text back until a space, like TextStreamer: no broken characters, but whole letters wait longer than needed.
def new_text_pieces(tokenizer, ids):
    """For each id, in the order they arrive: the text that can be printed when it arrives ("" if none)."""
    pieces, printed = [], 0
    for end in range(1, len(ids) + 1):
        text = tokenizer.decode(ids[:end])
        ready = len(text) if end == len(ids) else text.rfind(" ") + 1  # up to the last space, all of it at the end
        pieces.append(text[printed:ready] if ready > printed else "")
        printed = max(printed, ready)
    return pieces
