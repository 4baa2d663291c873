# mistake: the first number of the reply
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    return bool(numbers) and float(numbers[0].replace(",", "")) == answer
