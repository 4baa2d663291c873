# mistake: the last number of the last line that is not empty
import re


def number_is_right(text, answer):
    lines = [line for line in text.splitlines() if line.strip()] or [""]
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", lines[-1])
    return bool(numbers) and float(numbers[-1].replace(",", "")) == answer
