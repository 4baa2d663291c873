# mistake: runs of digits, so a sign, decimals and thousands are read apart
import re


def number_is_right(text, answer):
    numbers = re.findall(r"\d+", text)
    return bool(numbers) and int(numbers[-1]) == answer
