# mistake: the reply's last word, stripped of punctuation, read as the number
def number_is_right(text, answer):
    words = text.split()
    return bool(words) and words[-1].strip(".!?") == str(answer)
