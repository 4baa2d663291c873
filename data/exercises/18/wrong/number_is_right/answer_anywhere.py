# mistake: the answer's digits anywhere in the reply, as the starting code (190 passes for 19)
def number_is_right(text, answer):
    return str(answer) in text.replace(",", "")
