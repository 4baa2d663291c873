# mistake: the number's whole part, so $19.50 counts as 19
import re


def number_is_right(text, answer):
    numbers = re.findall(r"-?\d[\d,]*(?:\.\d+)?", text)
    return bool(numbers) and int(float(numbers[-1].replace(",", ""))) == answer
