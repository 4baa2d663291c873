# mistake: no sign, so -19 is read as 19
import re


def number_is_right(text, answer):
    numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", text)
    return bool(numbers) and float(numbers[-1].replace(",", "")) == answer
