# mistake: a sign and digits, so 19.0 is read as 0
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d+", text)
    return bool(numbers) and int(numbers[-1]) == answer
