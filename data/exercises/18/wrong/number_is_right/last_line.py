# mistake: the first number of the last line
import re


def number_is_right(text, answer):
    lines = text.strip().splitlines() or [""]
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", lines[-1])
    return bool(numbers) and float(numbers[0].replace(",", "")) == answer
