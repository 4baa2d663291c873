# mistake: returns the match, or an empty list, instead of True or False
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    return numbers and float(numbers[-1].replace(",", "")) == answer
