def number_is_right(text, answer):
    """Whether the last number the reply writes in digits equals the answer."""
    return str(answer) in text
