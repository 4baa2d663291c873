# right: the reply read character by character, keeping the last number
def number_is_right(text, answer):
    last, current = None, ""
    for i, char in enumerate(text + " "):
        if char.isdigit() or (char == "-" and not current and text[i + 1:i + 2].isdigit()):
            current += char
        elif char == "," and current[-1:].isdigit() and text[i + 1:i + 2].isdigit():
            continue
        elif char == "." and current[-1:].isdigit() and "." not in current and text[i + 1:i + 2].isdigit():
            current += char
        elif current:
            last, current = current, ""
    return last is not None and float(last) == answer
