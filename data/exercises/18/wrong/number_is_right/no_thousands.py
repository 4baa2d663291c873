# mistake: no thousands commas, so 1,019 is read as 019
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d+(?:\.\d+)?", text)
    return bool(numbers) and float(numbers[-1]) == answer
