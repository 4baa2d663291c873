# mistake: the last number of the reply's first line
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text.split("\n")[0])
    return bool(numbers) and float(numbers[-1].replace(",", "")) == answer
