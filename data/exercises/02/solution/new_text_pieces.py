def new_text_pieces(tokenizer, ids):
    """For each id, in the order they arrive: the text that can be printed when it arrives ("" if none)."""
    pieces, printed = [], ""
    for end in range(1, len(ids) + 1):
        text = tokenizer.decode(ids[:end]).rstrip("\ufffd")  # all the ids so far, without a character's first half
        new = text[len(printed):] if text.startswith(printed) else ""  # never take back what was printed
        pieces.append(new)
        printed += new
    return pieces
