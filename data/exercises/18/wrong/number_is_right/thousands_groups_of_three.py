# mistake: numbers read in groups of at most three digits, so 2024 is read as 202 and 4
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d{1,3}(?:,\d{3})*(?:\.\d+)?", text)
    return bool(numbers) and float(numbers[-1].replace(",", "")) == answer
