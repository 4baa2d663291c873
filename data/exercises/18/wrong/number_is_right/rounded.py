# mistake: the last number rounded, so 19.4 counts as 19
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    return bool(numbers) and round(float(numbers[-1].replace(",", ""))) == answer
