# mistake: at most one group of thousands, so 1,000,019 is read as 000,019
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d+(?:,\d{3})?(?:\.\d+)?", text)
    return bool(numbers) and float(numbers[-1].replace(",", "")) == answer
